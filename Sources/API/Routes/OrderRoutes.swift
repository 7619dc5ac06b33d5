import Foundation
import HTTPTypes
import Hummingbird
import TableOrderAuth
import TableOrderCore

/// Order writes and reads of contract §6.
struct OrderRoutes: Sendable {
    let deps: Dependencies

    struct OrderList: Encodable {
        var orders: [Order]
    }

    struct StatusChange: Decodable {
        var status: OrderStatus
    }

    struct PortionsCancel: Decodable {
        var quantity: Int
        init(from decoder: any Decoder) throws {
            quantity = try decoder.container(keyedBy: CodingKeys.self).decodeInteger(forKey: .quantity)
        }
        enum CodingKeys: String, CodingKey { case quantity }
    }

    func register(on router: RouteTable) {
        router.post("/api/orders") { request, context in try await createOrder(request, context) }
        router.get("/api/orders/:order_id") { _, context in
            try await readOrder(context, id: try context.parameters.require("order_id"))
        }
        router.get("/api/table/orders") { _, context in try await tableOrders(context) }
        router.get("/api/admin/orders") { request, context in try await adminOrders(request, context) }
        router.patch("/api/admin/orders/:order_id/status") { request, context in
            try await changeStatus(request, context, id: try context.parameters.require("order_id"))
        }
        router.delete("/api/admin/orders/:order_id") { request, context in
            try await deleteOrder(request, context, id: try context.parameters.require("order_id"))
        }
        router.post("/api/admin/orders/:order_id/items/:item_id/cancel") { request, context in
            try await cancelPortions(
                request, context, id: try context.parameters.require("order_id"),
                itemID: try context.parameters.require("item_id"))
        }
    }

    func createOrder(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.table)
        let body = try await RequestBodyReader.decode(OrderRequest.self, from: request)
        let tableID = claims.tableID!
        let identity = try WriteIdentity(request, claims: claims, action: "order")
        let orderID = identity.resourceID("order")
        // A retry of a stored order answers as the first time, before the menu is read: the menu may have
        // changed since (the order may even have been rejected for it), and the answer is still that order.
        if identity.key != nil, let lines = body.normalizedLines(),
            let stored = try? await deps.requestHashes.requestHash(orderID: UUID(uuidString: orderID)!)
        {
            guard stored == OrderRequest.fingerprint(lines: lines, note: body.note) else {
                throw ServiceError(.idempotencyKeyReused, "this Idempotency-Key was used for another order")
            }
            return accepted(orderID)  // already stored: publish nothing
        }
        guard let menu = try await MenuReader(deps: deps).menu(storeID: claims.storeID) else {
            throw ServiceError.notFound("store \(claims.storeID) not found")
        }
        let lines = try body.validate(against: menu)
        let hash = OrderRequest.fingerprint(lines: lines, note: body.note)
        try await deps.commands.send(
            .createOrder(
                CreateOrder(
                    orderID: orderID, storeID: claims.storeID, tableID: tableID, lines: lines, note: body.note,
                    requestHash: hash, requestedAt: Timestamp.now())),
            id: identity.commandID)
        return accepted(orderID)
    }

    /// Written by hand: the id is a UUID string, nothing to escape, and this answer is the hot path's.
    private func accepted(_ orderID: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = "/api/orders/\(orderID)"
        return .json(.accepted, bytes: Array("{\"order_id\":\"\(orderID)\",\"status\":\"pending\"}".utf8), headers: headers)
    }

    func readOrder(_ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.requireAny()
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

    func tableOrders(_ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.table)
        let tableID = claims.tableID!
        guard let uuid = UUID(uuidString: tableID) else { throw ServiceError.unauthorized("malformed claims") }
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: "table:\(tableID)") {
            try JSON.encode(OrderList(orders: try await deps.reads.currentSessionOrders(tableID: uuid)))
        }
        return .json(bytes: bytes ?? [])
    }

    func adminOrders(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        var status: OrderStatus?
        if let raw = request.uri.queryParameters.get("status") {
            guard let parsed = OrderStatus(rawValue: raw) else {
                throw ServiceError.validation(
                    "status: one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let key = "admin:\(status?.rawValue ?? "all")"
        let bytes = try await deps.cache.fetch(storeID: claims.storeID, scope: .orders, key: key) {
            try JSON.encode(try await deps.reads.adminSnapshot(storeID: claims.storeID, status: status))
        }
        return .json(bytes: bytes ?? [])
    }

    /// 409 when the state the API can see already forbids the move; the worker checks again.
    func changeStatus(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(StatusChange.self, from: request)
        let order = try await liveOrder(id, store: claims.storeID)
        guard order.deletedAt == nil, order.status.canMove(to: body.status) else {
            throw ServiceError(
                .invalidTransition, "cannot move an order from \(order.status.rawValue) to \(body.status.rawValue)")
        }
        let identity = try WriteIdentity(request, claims: claims, action: "status:\(order.orderID)")
        try await deps.commands.send(
            .changeOrderStatus(
                ChangeOrderStatus(orderID: order.orderID, storeID: claims.storeID, from: order.status, to: body.status)),
            id: identity.commandID)
        return try Accepted.response(id: order.orderID, location: "/api/orders/\(order.orderID)")
    }

    func deleteOrder(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let order = try await liveOrder(id, store: claims.storeID)
        guard order.deletedAt == nil else { throw ServiceError.notFound("order \(id) not found") }
        let identity = try WriteIdentity(request, claims: claims, action: "delete:\(order.orderID)")
        try await deps.commands.send(
            .deleteOrder(DeleteOrder(orderID: order.orderID, storeID: claims.storeID)), id: identity.commandID)
        return try Accepted.response(id: order.orderID, location: "/api/orders/\(order.orderID)")
    }

    /// v1.1 partial cancel: 409 when the order is over or fewer portions are left than asked; the worker
    /// checks again.
    func cancelPortions(_ request: Request, _ context: AppRequestContext, id: String, itemID: String) async throws
        -> Response
    {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(PortionsCancel.self, from: request)
        try Limits.quantity.check(body.quantity)
        let order = try await liveOrder(id, store: claims.storeID)
        guard order.deletedAt == nil, let item = order.items.first(where: { $0.itemID == itemID.lowercased() }) else {
            throw ServiceError.notFound("order \(id) has no item \(itemID)")
        }
        guard !order.status.isTerminal else {
            throw ServiceError(.invalidTransition, "cannot cancel portions of a \(order.status.rawValue) order")
        }
        guard item.remainingQuantity >= body.quantity else {
            throw ServiceError(
                .invalidTransition, "only \(item.remainingQuantity) portions of \(item.name) are left to cancel")
        }
        let identity = try WriteIdentity(request, claims: claims, action: "cancel:\(order.orderID):\(item.itemID)")
        try await deps.commands.send(
            .cancelOrderItems(
                CancelOrderItems(
                    orderID: order.orderID, storeID: claims.storeID, itemID: item.itemID, quantity: body.quantity)),
            id: identity.commandID)
        return try Accepted.response(id: order.orderID, location: "/api/orders/\(order.orderID)")
    }

    /// The order as stored now (not through the cache: status checks want the freshest state).
    private func liveOrder(_ id: String, store: String) async throws -> Order {
        guard let uuid = UUID(uuidString: id), let order = try await deps.reads.order(id: uuid), order.storeID == store
        else { throw ServiceError.notFound("order \(id) not found") }
        return order
    }
}
