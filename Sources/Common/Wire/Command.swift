import Foundation

/// A write command as it travels through the durable queue from an API pod to a worker.
///
/// Everything the worker needs to apply it idempotently is inside: the ids are derived by the API
/// (so a redelivery or a client retry carries the same primary key), and the store scopes every effect.
public enum Command: Sendable, Equatable {
    case createOrder(CreateOrder)

    public var storeID: String {
        switch self {
        case .createOrder(let c): c.storeID
        }
    }

    public var typeName: String {
        switch self {
        case .createOrder: "order.create"
        }
    }
}

public struct CreateOrder: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var menuID: String
        public var quantity: Int

        public init(menuID: String, quantity: Int) {
            self.menuID = menuID
            self.quantity = quantity
        }

        enum CodingKeys: String, CodingKey { case menuID = "menu_id", quantity }
    }

    public var orderID: String
    public var storeID: String
    public var tableID: String
    public var lines: [Line]
    public var note: String?
    /// Fingerprint of the request body, so a reused `Idempotency-Key` with another body is detected.
    public var requestHash: String
    public var requestedAt: String

    public init(
        orderID: String, storeID: String, tableID: String, lines: [Line], note: String?, requestHash: String,
        requestedAt: String
    ) {
        self.orderID = orderID
        self.storeID = storeID
        self.tableID = tableID
        self.lines = lines
        self.note = note
        self.requestHash = requestHash
        self.requestedAt = requestedAt
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", storeID = "store_id", tableID = "table_id", lines, note
        case requestHash = "request_hash", requestedAt = "requested_at"
    }
}

extension Command: Codable {
    enum CodingKeys: String, CodingKey { case type, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "order.create": self = .createOrder(try c.decode(CreateOrder.self, forKey: .body))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown command \(type)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case .createOrder(let body): try c.encode(body, forKey: .body)
        }
    }
}
