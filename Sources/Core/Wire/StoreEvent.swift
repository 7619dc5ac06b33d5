import Foundation

/// A state change of one store, as written to the event log and sent on the SSE stream.
///
/// `id` is store-scoped and strictly increasing: the worker takes it under the store's row lock
/// in the same transaction as the change, so the log has no gaps and follows commit order.
public struct StoreEvent: Sendable, Equatable {
    public var storeID: String
    public var id: Int64
    public var type: String
    /// The table the event is about, if one: a table's stream carries only its own (v1.1 §7).
    public var tableID: String?
    /// The whole `data:` line: one line of JSON with `type`, `store_id`, `event_id`, `occurred_at` and the extras.
    public var data: String

    public init(storeID: String, id: Int64, type: String, tableID: String? = nil, data: String) {
        self.storeID = storeID
        self.id = id
        self.type = type
        self.tableID = tableID
        self.data = data
    }

    /// SSE framing of contract §8.
    public var sseFrame: String { "id: \(id)\nevent: \(type)\ndata: \(data)\n\n" }

    /// The `table-order-events` routing key: `order_created` → `order.created`.
    public var routingKey: String {
        switch type {
        case "order_created": "order.created"
        case "order_status_changed": "order.status_changed"
        case "order_status_rejected": "order.status_rejected"
        case "order_deleted": "order.deleted"
        case "table_session_completed": "table.session_completed"
        case "menu_changed": "menu.changed"
        case "order_rejected": "order.rejected"
        case "order_items_cancelled": "order.items_cancelled"
        case "call_created": "call.created"
        case "call_updated": "call.updated"
        default: type.replacingOccurrences(of: "_", with: ".")
        }
    }
}

/// The kinds of event and their extra fields (contract §8).
public enum EventBody: Sendable, Equatable {
    case orderCreated(Order)
    case orderStatusChanged(orderID: String, tableID: String, from: OrderStatus, to: OrderStatus)
    /// `requested`: the status asked for, or `cancel_items` (v1.1).
    case orderStatusRejected(orderID: String, requested: String, current: OrderStatus)
    case orderDeleted(orderID: String, tableID: String)
    case tableSessionCompleted(tableID: String, sessionID: String, totalAmount: Int)
    /// `action` (`created`, `updated`, `deleted`, `availability`, `sold_out`) is an addition to the
    /// contract's fields.
    case menuChanged(menuID: String?, categoryID: String?, action: String)
    /// v1.1. The contract's fields are `order_id`, `table_id` and `reason`; the whole `order` is an addition,
    /// so that a board can show it without reading it back.
    case orderRejected(Order)
    case orderItemsCancelled(orderID: String, tableID: String, itemID: String, quantity: Int, totalAmount: Int)
    case callCreated(StaffCall)
    case callUpdated(callID: String, tableID: String, from: CallStatus, to: CallStatus)

    public var type: String {
        switch self {
        case .orderCreated: "order_created"
        case .orderStatusChanged: "order_status_changed"
        case .orderStatusRejected: "order_status_rejected"
        case .orderDeleted: "order_deleted"
        case .tableSessionCompleted: "table_session_completed"
        case .menuChanged: "menu_changed"
        case .orderRejected: "order_rejected"
        case .orderItemsCancelled: "order_items_cancelled"
        case .callCreated: "call_created"
        case .callUpdated: "call_updated"
        }
    }

    /// The table the event is about; `nil` for the store's own (`menu_changed`) and for
    /// `order_status_rejected`, which answers the admin who asked.
    public var tableID: String? {
        switch self {
        case .orderCreated(let order), .orderRejected(let order): order.tableID
        case .orderStatusChanged(_, let tableID, _, _), .orderDeleted(_, let tableID),
            .tableSessionCompleted(let tableID, _, _), .orderItemsCancelled(_, let tableID, _, _, _),
            .callUpdated(_, let tableID, _, _):
            tableID
        case .callCreated(let call): call.tableID
        case .orderStatusRejected, .menuChanged: nil
        }
    }

    /// Builds the event's JSON once its id is known.
    public func makeEvent(storeID: String, id: Int64, occurredAt: String) throws -> StoreEvent {
        let data = try JSON.encodeString(EventData(base: .init(type: type, storeID: storeID, eventID: id, occurredAt: occurredAt), body: self))
        return StoreEvent(storeID: storeID, id: id, type: type, tableID: tableID, data: data)
    }
}

/// One event's JSON: the common fields, then the kind's own, in one flat object.
private struct EventData: Encodable {
    struct Base: Encodable {
        var type: String
        var storeID: String
        var eventID: Int64
        var occurredAt: String
        enum CodingKeys: String, CodingKey {
            case type, storeID = "store_id", eventID = "event_id", occurredAt = "occurred_at"
        }
    }

    var base: Base
    var body: EventBody

    enum Keys: String, CodingKey {
        case order, orderID = "order_id", tableID = "table_id", from, to, requested, current
        case sessionID = "session_id", totalAmount = "total_amount", menuID = "menu_id", categoryID = "category_id"
        case action, reason, itemID = "item_id", quantity, call, callID = "call_id"
    }

    func encode(to encoder: any Encoder) throws {
        try base.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        switch body {
        case .orderCreated(let order):
            try c.encode(order.tableID, forKey: .tableID)  // an addition: where a table's stream looks
            try c.encode(order, forKey: .order)
        case .orderRejected(let order):
            try c.encode(order.orderID, forKey: .orderID)
            try c.encode(order.tableID, forKey: .tableID)
            try c.encode(order.rejectReason, forKey: .reason)
            try c.encode(order, forKey: .order)
        case .orderItemsCancelled(let orderID, let tableID, let itemID, let quantity, let totalAmount):
            try c.encode(orderID, forKey: .orderID)
            try c.encode(tableID, forKey: .tableID)
            try c.encode(itemID, forKey: .itemID)
            try c.encode(quantity, forKey: .quantity)
            try c.encode(totalAmount, forKey: .totalAmount)
        case .callCreated(let call):
            try c.encode(call.tableID, forKey: .tableID)  // an addition, as for `order_created`
            try c.encode(call, forKey: .call)
        case .callUpdated(let callID, let tableID, let from, let to):
            try c.encode(callID, forKey: .callID)
            try c.encode(tableID, forKey: .tableID)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
        case .orderStatusChanged(let orderID, let tableID, let from, let to):
            try c.encode(orderID, forKey: .orderID)
            try c.encode(tableID, forKey: .tableID)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
        case .orderStatusRejected(let orderID, let requested, let current):
            try c.encode(orderID, forKey: .orderID)
            try c.encode(requested, forKey: .requested)
            try c.encode(current, forKey: .current)
        case .orderDeleted(let orderID, let tableID):
            try c.encode(orderID, forKey: .orderID)
            try c.encode(tableID, forKey: .tableID)
        case .tableSessionCompleted(let tableID, let sessionID, let totalAmount):
            try c.encode(tableID, forKey: .tableID)
            try c.encode(sessionID, forKey: .sessionID)
            try c.encode(totalAmount, forKey: .totalAmount)
        case .menuChanged(let menuID, let categoryID, let action):
            try c.encodeIfPresent(menuID, forKey: .menuID)
            try c.encodeIfPresent(categoryID, forKey: .categoryID)
            try c.encode(action, forKey: .action)
        }
    }
}

/// The few fields an SSE node reads from a pub/sub payload to place it.
public struct EventHeader: Decodable, Sendable {
    public var type: String
    public var storeID: String
    public var eventID: Int64
    /// Top-level `table_id`, which every event about a table carries.
    public var tableID: String?

    enum CodingKeys: String, CodingKey { case type, storeID = "store_id", eventID = "event_id", tableID = "table_id" }

    public static func parse(_ data: String) -> EventHeader? {
        try? JSON.decode(EventHeader.self, from: Array(data.utf8))
    }
}
