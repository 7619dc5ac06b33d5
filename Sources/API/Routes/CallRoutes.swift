import Foundation
import Hummingbird
import TableOrderAuth
import TableOrderCore

/// Staff calls of contract v1.1 §7: a table asks, staff acknowledge and resolve.
struct CallRoutes: Sendable {
    let deps: Dependencies

    struct CallRequest: Decodable {
        var type: CallType
        var note: String?
    }

    struct CallMove: Decodable {
        var status: CallStatus
    }

    struct CallList: Encodable {
        var calls: [StaffCall]
    }

    /// How far back `?status=resolved` looks.
    static let resolvedWindow: TimeInterval = 24 * 3600

    func register(on router: RouteTable) {
        router.post("/api/table/calls") { request, context in try await createCall(request, context) }
        router.get("/api/table/calls") { _, context in try await tableCalls(context) }
        router.get("/api/admin/calls") { request, context in try await adminCalls(request, context) }
        router.patch("/api/admin/calls/:call_id") { request, context in
            try await moveCall(request, context, id: try context.parameters.require("call_id"))
        }
    }

    /// At most one open call per table and type: asking again answers the open call's id and sends nothing.
    func createCall(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.table)
        let body = try await RequestBodyReader.decode(CallRequest.self, from: request)
        if let note = body.note { try Limits.callNote.check(note) }
        guard let tableID = claims.tableID.flatMap(UUID.init(uuidString:)) else {
            throw ServiceError.unauthorized("malformed claims")
        }
        let identity = try WriteIdentity(request, claims: claims, action: "call")
        if let open = try await deps.reads.openCallID(tableID: tableID, type: body.type) {
            return try Accepted.response(id: open, location: "/api/table/calls")
        }
        let id = identity.resourceID("call")
        try await deps.commands.send(
            .createCall(
                CreateCall(callID: id, storeID: claims.storeID, tableID: tableID.lowercased, type: body.type, note: body.note)),
            id: identity.commandID)
        return try Accepted.response(id: id, location: "/api/table/calls")
    }

    func tableCalls(_ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.table)
        guard let tableID = claims.tableID.flatMap(UUID.init(uuidString:)) else {
            throw ServiceError.unauthorized("malformed claims")
        }
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: "calls:\(tableID.lowercased)") {
            try JSON.encode(
                CallList(
                    calls: try await deps.reads.calls(
                        storeID: claims.storeID, tableID: tableID, statuses: [.open, .acknowledged], resolvedSince: Date())))
        }
        return .json(bytes: bytes ?? [])
    }

    /// `?status=open,acknowledged` (the default), any of the three; resolved calls of the last 24 h.
    func adminCalls(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        var statuses: Set<CallStatus> = [.open, .acknowledged]
        if let raw = request.uri.queryParameters.get("status") {
            let names = raw.split(separator: ",", omittingEmptySubsequences: false)
            let parsed = names.compactMap { CallStatus(rawValue: String($0)) }
            guard parsed.count == names.count, (1...CallStatus.allCases.count).contains(names.count) else {
                throw ServiceError.validation(
                    "status: a comma-separated list of \(CallStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            statuses = Set(parsed)
        }
        let key = "calls:admin:" + CallStatus.allCases.filter(statuses.contains).map(\.rawValue).joined(separator: ",")
        // Resolved calls age out of the listing: cached only while none is shown.
        let load = {
            try await deps.reads.calls(
                storeID: claims.storeID, tableID: nil, statuses: statuses,
                resolvedSince: Date().addingTimeInterval(-Self.resolvedWindow))
        }
        if statuses.contains(.resolved) { return try .json(CallList(calls: try await load())) }
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: key) {
            try JSON.encode(CallList(calls: try await load()))
        }
        return .json(bytes: bytes ?? [])
    }

    /// 409 when the call's state already forbids the move; the worker checks again.
    func moveCall(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(CallMove.self, from: request)
        guard let uuid = UUID(uuidString: id), let call = try await deps.reads.call(id: uuid), call.storeID == claims.storeID
        else { throw ServiceError.notFound("call \(id) not found") }
        guard call.status.canMove(to: body.status) else {
            throw ServiceError(.invalidTransition, "cannot move a call from \(call.status.rawValue) to \(body.status.rawValue)")
        }
        let identity = try WriteIdentity(request, claims: claims, action: "call:\(call.callID)")
        try await deps.commands.send(
            .updateCall(UpdateCall(callID: call.callID, storeID: claims.storeID, from: call.status, to: body.status)),
            id: identity.commandID)
        return try Accepted.response(id: call.callID, location: "/api/admin/calls")
    }
}
