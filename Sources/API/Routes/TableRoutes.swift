import Foundation
import Hummingbird
import NIOPosix
import TableOrderAuth
import TableOrderCore

/// Tables and sessions of contract §7.
struct TableRoutes: Sendable {
    let deps: Dependencies

    struct TableList: Encodable {
        var tables: [TableSummary]
    }

    struct HistoryList: Encodable {
        var sessions: [SessionHistory]
    }

    struct TableBody: Decodable {
        var tableNumber: Int
        var password: String
        enum CodingKeys: String, CodingKey { case tableNumber = "table_number", password }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            tableNumber = try c.decodeInteger(forKey: .tableNumber)
            password = try c.decode(String.self, forKey: .password)
        }
    }

    func register(on router: RouteTable) {
        router.get("/api/admin/tables") { _, context in
            let claims = try context.require(.admin)
            let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: "tables") {
                try JSON.encode(TableList(tables: try await deps.reads.tables(storeID: claims.storeID)))
            }
            return Response.json(bytes: bytes ?? [])
        }
        router.post("/api/admin/tables") { request, context in try await upsertTable(request, context) }
        router.post("/api/admin/tables/:table_id/complete") { request, context in
            try await complete(request, context, id: try context.parameters.require("table_id"))
        }
        router.get("/api/admin/tables/:table_id/history") { request, context in
            try await history(request, context, id: try context.parameters.require("table_id"))
        }
    }

    func upsertTable(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(TableBody.self, from: request)
        try Limits.tableNumber.check(body.tableNumber)
        try Limits.tablePassword.check(body.password)
        let password = body.password
        let hash = try await NIOThreadPool.singleton.runIfActive { try PasswordHasher.hash(password) }
        // The same id as `seed` gives the table, so a table keeps its id whoever created it.
        let tableID = DeterministicID.make("table", claims.storeID, String(body.tableNumber)).lowercased
        let identity = try WriteIdentity(request, claims: claims, action: "table:\(body.tableNumber)")
        try await deps.commands.send(
            .upsertTable(
                UpsertTable(tableID: tableID, storeID: claims.storeID, tableNumber: body.tableNumber, passwordHash: hash)),
            id: identity.commandID)
        return try Accepted.response(id: tableID, location: "/api/admin/tables")
    }

    func complete(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let tables = try await deps.reads.tables(storeID: claims.storeID)
        guard let uuid = UUID(uuidString: id)?.lowercased, let table = tables.first(where: { $0.tableID == uuid }) else {
            throw ServiceError.notFound("table \(id) not found")
        }
        guard table.sessionID != nil else { throw ServiceError(.invalidTransition, "table has no open session") }
        let identity = try WriteIdentity(request, claims: claims, action: "complete:\(uuid)")
        try await deps.commands.send(
            .completeSession(CompleteSession(tableID: uuid, storeID: claims.storeID)), id: identity.commandID)
        return try Accepted.response(id: uuid, location: "/api/admin/tables/\(uuid)/history")
    }

    func history(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        func day(_ name: String) throws -> Date? {
            guard let raw = request.uri.queryParameters.get(name) else { return nil }
            guard let date = Timestamp.day(String(raw)) else { throw ServiceError.validation("\(name): expected YYYY-MM-DD") }
            return date
        }
        let from = try day("from")
        let to = try day("to").map { $0 + 86_400 }  // `to` is inclusive
        if let from, let to, from >= to { throw ServiceError.validation("from: must not be after to") }
        guard let uuid = UUID(uuidString: id),
            let sessions = try await deps.replica.history(storeID: claims.storeID, tableID: uuid, from: from, to: to)
        else { throw ServiceError.notFound("table \(id) not found") }
        return try .json(HistoryList(sessions: sessions))
    }
}
