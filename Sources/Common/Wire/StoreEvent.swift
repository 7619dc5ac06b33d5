import Foundation

/// A state change of one store, as written to the event log and sent on the SSE stream.
///
/// `id` is store-scoped and strictly increasing: the worker takes it under the store's row lock
/// in the same transaction as the change, so the log has no gaps and follows commit order.
public struct StoreEvent: Sendable, Equatable {
    public var storeID: String
    public var id: Int64
    public var type: String
    /// The whole `data:` line: one line of JSON with `type`, `store_id`, `event_id`, `occurred_at` and the extras.
    public var data: String

    public init(storeID: String, id: Int64, type: String, data: String) {
        self.storeID = storeID
        self.id = id
        self.type = type
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
        default: type.replacingOccurrences(of: "_", with: ".")
        }
    }
}

/// The kinds of event and their extra fields (contract §8).
public enum EventBody: Sendable {
    case orderCreated(Order)

    var type: String {
        switch self {
        case .orderCreated: "order_created"
        }
    }

    /// Builds the event's JSON once its id is known.
    public func makeEvent(storeID: String, id: Int64, occurredAt: String) throws -> StoreEvent {
        let data: String
        switch self {
        case .orderCreated(let order):
            data = try JSON.encodeString(
                OrderCreatedData(type: type, storeID: storeID, eventID: id, occurredAt: occurredAt, order: order))
        }
        return StoreEvent(storeID: storeID, id: id, type: type, data: data)
    }
}

private struct OrderCreatedData: Encodable {
    var type: String
    var storeID: String
    var eventID: Int64
    var occurredAt: String
    var order: Order

    enum CodingKeys: String, CodingKey {
        case type, storeID = "store_id", eventID = "event_id", occurredAt = "occurred_at", order
    }
}

/// The few fields an SSE node reads from a pub/sub payload to place it.
public struct EventHeader: Decodable, Sendable {
    public var type: String
    public var storeID: String
    public var eventID: Int64

    enum CodingKeys: String, CodingKey { case type, storeID = "store_id", eventID = "event_id" }

    public static func parse(_ data: String) -> EventHeader? {
        try? JSON.decode(EventHeader.self, from: Array(data.utf8))
    }
}
