import Foundation
import Hummingbird
import HTTPTypes
import TableOrderCommon

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let lastEventID = Self("Last-Event-ID")!
    static let accelBuffering = Self("X-Accel-Buffering")!
}

/// Order writes and reads of contract §6.
struct OrderRoutes: Sendable {
    let deps: Dependencies
    var auth: Authenticator { Authenticator(tokens: deps.tokens) }

    struct Accepted: Encodable {
        var orderID: String
        var status = "pending"
        enum CodingKeys: String, CodingKey { case orderID = "order_id", status }
    }

    struct OrderList: Encodable {
        var orders: [Order]
    }

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/orders") { request, _ in try await createOrder(request) }
        router.get("/api/orders/:order_id") { request, context in
            try await readOrder(request, id: try context.parameters.require("order_id"))
        }
        router.get("/api/table/orders") { request, _ in try await tableOrders(request) }
        router.get("/api/admin/orders") { request, _ in try await adminOrders(request) }
    }

    func createOrder(_ request: Request) async throws -> Response {
        let claims = try await auth.require(.table, request)
        let body = try await RequestBodyReader.decode(OrderRequest.self, from: request)
        guard let menu = try await MenuReader(deps: deps).menu(storeID: claims.storeID) else {
            throw ServiceError.notFound("store \(claims.storeID) not found")
        }
        let lines = try body.validate(against: menu)
        let hash = OrderRequest.fingerprint(lines: lines, note: body.note)
        let tableID = claims.tableID!
        let orderID: String
        if let key = request.headers[.idempotencyKey] {
            guard OrderRequest.isValidIdempotencyKey(key) else {
                throw ServiceError.validation("Idempotency-Key: 1..128 visible ASCII characters")
            }
            orderID = DeterministicID.make("order", claims.storeID, tableID, key).lowercased
            if let stored = try? await deps.reads.orderRequestHash(id: UUID(uuidString: orderID)!) {
                guard stored == hash else {
                    throw ServiceError(.idempotencyKeyReused, "this Idempotency-Key was used for another order")
                }
                return try accepted(orderID)  // already stored: answer as the first time, publish nothing
            }
        } else {
            orderID = UUID().lowercased
        }
        try await deps.commands.send(
            .createOrder(
                CreateOrder(
                    orderID: orderID, storeID: claims.storeID, tableID: tableID, lines: lines, note: body.note,
                    requestHash: hash, requestedAt: Timestamp.now())))
        return try accepted(orderID)
    }

    private func accepted(_ orderID: String) throws -> Response {
        var headers = HTTPFields()
        headers[.location] = "/api/orders/\(orderID)"
        return try .json(Accepted(orderID: orderID), status: .accepted, headers: headers)
    }

    func readOrder(_ request: Request, id: String) async throws -> Response {
        let claims = try await auth.claims(request)
        guard let uuid = UUID(uuidString: id) else { throw ServiceError.notFound("order \(id) not found") }
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: "order:\(uuid.lowercased)")
        {
            guard let order = try await deps.reads.order(id: uuid), order.storeID == claims.storeID else { return nil }
            return try JSON.encode(order)
        }
        guard let bytes else { throw ServiceError.notFound("order \(id) not found") }
        if claims.role == .table {
            // A table sees only its own orders; the cached value is the store's, so check the owner.
            let order = try JSON.decode(Order.self, from: bytes)
            guard order.tableID == claims.tableID else { throw ServiceError.notFound("order \(id) not found") }
        }
        return .json(bytes: bytes)
    }

    func tableOrders(_ request: Request) async throws -> Response {
        let claims = try await auth.require(.table, request)
        let tableID = claims.tableID!
        guard let uuid = UUID(uuidString: tableID) else { throw ServiceError.unauthorized("malformed claims") }
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: "table:\(tableID)") {
            try JSON.encode(OrderList(orders: try await deps.reads.currentSessionOrders(tableID: uuid)))
        }
        return .json(bytes: bytes ?? [])
    }

    func adminOrders(_ request: Request) async throws -> Response {
        let claims = try await auth.require(.admin, request)
        var status: OrderStatus?
        if let raw = request.uri.queryParameters.get("status") {
            guard let parsed = OrderStatus(rawValue: raw) else {
                throw ServiceError.validation("status: one of pending, preparing, completed, cancelled")
            }
            status = parsed
        }
        let key = "admin:\(status?.rawValue ?? "all")"
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: key) {
            try JSON.encode(try await deps.reads.adminSnapshot(storeID: claims.storeID, status: status))
        }
        return .json(bytes: bytes ?? [])
    }
}
