import Foundation

/// A write command as it travels through the durable queue from an API pod to a worker.
///
/// Everything the worker needs to apply it idempotently is inside: the ids are derived by the API
/// (so a redelivery or a client retry carries the same primary key), and the store scopes every effect.
public enum Command: Sendable, Equatable {
    case createOrder(CreateOrder)
    case changeOrderStatus(ChangeOrderStatus)
    case deleteOrder(DeleteOrder)
    case createCategory(CreateCategory)
    case createMenu(CreateMenu)
    case updateMenu(UpdateMenu)
    case deleteMenu(DeleteMenu)
    case upsertTable(UpsertTable)
    case completeSession(CompleteSession)
    case revokeToken(RevokeToken)
    case changeAdminPassword(ChangeAdminPassword)
    case setMenuAvailability(SetMenuAvailability)
    case cancelOrderItems(CancelOrderItems)
    case updateCategory(UpdateCategory)
    case deleteCategory(DeleteCategory)
    case createCall(CreateCall)
    case updateCall(UpdateCall)
    case updateStore(UpdateStore)

    public var storeID: String {
        switch self {
        case .createOrder(let c): c.storeID
        case .changeOrderStatus(let c): c.storeID
        case .deleteOrder(let c): c.storeID
        case .createCategory(let c): c.storeID
        case .createMenu(let c): c.storeID
        case .updateMenu(let c): c.storeID
        case .deleteMenu(let c): c.storeID
        case .upsertTable(let c): c.storeID
        case .completeSession(let c): c.storeID
        case .revokeToken(let c): c.storeID
        case .changeAdminPassword(let c): c.storeID
        case .setMenuAvailability(let c): c.storeID
        case .cancelOrderItems(let c): c.storeID
        case .updateCategory(let c): c.storeID
        case .deleteCategory(let c): c.storeID
        case .createCall(let c): c.storeID
        case .updateCall(let c): c.storeID
        case .updateStore(let c): c.storeID
        }
    }

    public var typeName: String {
        switch self {
        case .createOrder: "order.create"
        case .changeOrderStatus: "order.status"
        case .deleteOrder: "order.delete"
        case .createCategory: "category.create"
        case .createMenu: "menu.create"
        case .updateMenu: "menu.update"
        case .deleteMenu: "menu.delete"
        case .upsertTable: "table.upsert"
        case .completeSession: "table.complete"
        case .revokeToken: "token.revoke"
        case .changeAdminPassword: "admin.password"
        case .setMenuAvailability: "menu.availability"
        case .cancelOrderItems: "order.cancel_items"
        case .updateCategory: "category.update"
        case .deleteCategory: "category.delete"
        case .createCall: "call.create"
        case .updateCall: "call.update"
        case .updateStore: "store.update"
        }
    }
}

/// The message on the queue: a command with its own id, so the worker applies each one exactly once
/// (the id is recorded in the same transaction as the command's effects), and the `traceparent` of the
/// request that sent it, so the worker's log lines carry the same trace id as the API's.
public struct CommandEnvelope: Codable, Sendable, Equatable {
    public var id: String
    public var issuedAt: String
    public var traceparent: String?
    public var command: Command

    public init(
        id: String = UUID().lowercased, issuedAt: String = Timestamp.now(), traceparent: String? = nil,
        command: Command
    ) {
        self.id = id
        self.issuedAt = issuedAt
        self.traceparent = traceparent
        self.command = command
    }

    enum CodingKeys: String, CodingKey { case id = "command_id", issuedAt = "issued_at", traceparent }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        issuedAt = try c.decode(String.self, forKey: .issuedAt)
        traceparent = try c.decodeIfPresent(String.self, forKey: .traceparent)
        command = try Command(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(issuedAt, forKey: .issuedAt)
        try c.encodeIfPresent(traceparent, forKey: .traceparent)
        try command.encode(to: encoder)
    }
}

extension Command: Codable {
    enum CodingKeys: String, CodingKey { case type, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "order.create": self = .createOrder(try c.decode(CreateOrder.self, forKey: .body))
        case "order.status": self = .changeOrderStatus(try c.decode(ChangeOrderStatus.self, forKey: .body))
        case "order.delete": self = .deleteOrder(try c.decode(DeleteOrder.self, forKey: .body))
        case "category.create": self = .createCategory(try c.decode(CreateCategory.self, forKey: .body))
        case "menu.create": self = .createMenu(try c.decode(CreateMenu.self, forKey: .body))
        case "menu.update": self = .updateMenu(try c.decode(UpdateMenu.self, forKey: .body))
        case "menu.delete": self = .deleteMenu(try c.decode(DeleteMenu.self, forKey: .body))
        case "table.upsert": self = .upsertTable(try c.decode(UpsertTable.self, forKey: .body))
        case "table.complete": self = .completeSession(try c.decode(CompleteSession.self, forKey: .body))
        case "token.revoke": self = .revokeToken(try c.decode(RevokeToken.self, forKey: .body))
        case "admin.password": self = .changeAdminPassword(try c.decode(ChangeAdminPassword.self, forKey: .body))
        case "menu.availability": self = .setMenuAvailability(try c.decode(SetMenuAvailability.self, forKey: .body))
        case "order.cancel_items": self = .cancelOrderItems(try c.decode(CancelOrderItems.self, forKey: .body))
        case "category.update": self = .updateCategory(try c.decode(UpdateCategory.self, forKey: .body))
        case "category.delete": self = .deleteCategory(try c.decode(DeleteCategory.self, forKey: .body))
        case "call.create": self = .createCall(try c.decode(CreateCall.self, forKey: .body))
        case "call.update": self = .updateCall(try c.decode(UpdateCall.self, forKey: .body))
        case "store.update": self = .updateStore(try c.decode(UpdateStore.self, forKey: .body))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown command \(type)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case .createOrder(let body): try c.encode(body, forKey: .body)
        case .changeOrderStatus(let body): try c.encode(body, forKey: .body)
        case .deleteOrder(let body): try c.encode(body, forKey: .body)
        case .createCategory(let body): try c.encode(body, forKey: .body)
        case .createMenu(let body): try c.encode(body, forKey: .body)
        case .updateMenu(let body): try c.encode(body, forKey: .body)
        case .deleteMenu(let body): try c.encode(body, forKey: .body)
        case .upsertTable(let body): try c.encode(body, forKey: .body)
        case .completeSession(let body): try c.encode(body, forKey: .body)
        case .revokeToken(let body): try c.encode(body, forKey: .body)
        case .changeAdminPassword(let body): try c.encode(body, forKey: .body)
        case .setMenuAvailability(let body): try c.encode(body, forKey: .body)
        case .cancelOrderItems(let body): try c.encode(body, forKey: .body)
        case .updateCategory(let body): try c.encode(body, forKey: .body)
        case .deleteCategory(let body): try c.encode(body, forKey: .body)
        case .createCall(let body): try c.encode(body, forKey: .body)
        case .updateCall(let body): try c.encode(body, forKey: .body)
        case .updateStore(let body): try c.encode(body, forKey: .body)
        }
    }
}
