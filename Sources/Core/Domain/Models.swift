import Foundation

/// A line of an order as stored: name, price and options are copied from the menu when the order is
/// persisted, so later menu edits never change past orders.
public struct OrderItem: Codable, Sendable, Equatable {
    /// Stable: derived from the order and the line's position (`id(orderID:line:)`).
    public var itemID: String
    public var menuID: String
    public var name: String
    /// The menu's price plus the chosen options' deltas.
    public var unitPrice: Int
    public var quantity: Int
    public var options: [ChosenOption]
    /// Portions cancelled since (v1.1 partial cancel); `subtotal` counts only the others.
    public var cancelledQuantity: Int
    public var subtotal: Int

    public init(
        itemID: String, menuID: String, name: String, unitPrice: Int, quantity: Int, options: [ChosenOption] = [],
        cancelledQuantity: Int = 0
    ) {
        self.itemID = itemID
        self.menuID = menuID
        self.name = name
        self.unitPrice = unitPrice
        self.quantity = quantity
        self.options = options
        self.cancelledQuantity = cancelledQuantity
        self.subtotal = unitPrice * (quantity - cancelledQuantity)
    }

    /// The id of an order's line number `line` (counted from 0).
    public static func id(orderID: String, line: Int) -> String {
        DeterministicID.make("order-item", orderID.lowercased(), String(line)).lowercased
    }

    /// Portions still ordered.
    public var remainingQuantity: Int { quantity - cancelledQuantity }

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id", menuID = "menu_id", name, unitPrice = "unit_price", quantity, options
        case cancelledQuantity = "cancelled_quantity", subtotal
    }

    /// Tolerates the v1 shape (a cached order from before v1.1 has no `item_id`, `options`, `cancelled_quantity`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try c.decodeIfPresent(String.self, forKey: .itemID) ?? ""
        menuID = try c.decode(String.self, forKey: .menuID)
        name = try c.decode(String.self, forKey: .name)
        unitPrice = try c.decode(Int.self, forKey: .unitPrice)
        quantity = try c.decode(Int.self, forKey: .quantity)
        options = try c.decodeIfPresent([ChosenOption].self, forKey: .options) ?? []
        cancelledQuantity = try c.decodeIfPresent(Int.self, forKey: .cancelledQuantity) ?? 0
        subtotal = try c.decode(Int.self, forKey: .subtotal)
    }
}

/// The order JSON of contract §6.
public struct Order: Codable, Sendable, Equatable {
    public var orderID: String
    public var storeID: String
    public var tableID: String
    public var tableNumber: Int
    public var sessionID: String
    public var status: OrderStatus
    public var items: [OrderItem]
    public var totalAmount: Int
    public var note: String?
    public var createdAt: String
    public var updatedAt: String
    public var deletedAt: String?
    /// Why the worker could not accept it (status `rejected`), else `nil`.
    public var rejectReason: RejectReason?

    public init(
        orderID: String, storeID: String, tableID: String, tableNumber: Int, sessionID: String,
        status: OrderStatus, items: [OrderItem], totalAmount: Int, note: String?,
        createdAt: String, updatedAt: String, deletedAt: String?, rejectReason: RejectReason? = nil
    ) {
        self.orderID = orderID
        self.storeID = storeID
        self.tableID = tableID
        self.tableNumber = tableNumber
        self.sessionID = sessionID
        self.status = status
        self.items = items
        self.totalAmount = totalAmount
        self.note = note
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
        self.rejectReason = rejectReason
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", storeID = "store_id", tableID = "table_id", tableNumber = "table_number"
        case sessionID = "session_id", status, items, totalAmount = "total_amount", note
        case createdAt = "created_at", updatedAt = "updated_at", deletedAt = "deleted_at", rejectReason = "reject_reason"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(orderID, forKey: .orderID)
        try c.encode(storeID, forKey: .storeID)
        try c.encode(tableID, forKey: .tableID)
        try c.encode(tableNumber, forKey: .tableNumber)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(status, forKey: .status)
        try c.encode(items, forKey: .items)
        try c.encode(totalAmount, forKey: .totalAmount)
        try c.encode(note, forKey: .note)  // explicit null, as the contract lists the key
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(deletedAt, forKey: .deletedAt)
        try c.encode(rejectReason, forKey: .rejectReason)
    }
}

public struct MenuCategory: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var sortOrder: Int
    public var translations: Translations

    public init(id: String, name: String, sortOrder: Int, translations: Translations = [:]) {
        self.id = id
        self.name = name
        self.sortOrder = sortOrder
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey { case id, name, sortOrder = "sort_order", translations }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        sortOrder = try c.decode(Int.self, forKey: .sortOrder)
        translations = try c.decodeIfPresent(Translations.self, forKey: .translations) ?? [:]
    }
}

public struct MenuItem: Codable, Sendable, Equatable {
    public var id: String
    public var categoryID: String
    public var name: String
    public var price: Int
    public var description: String?
    public var imageURL: String?
    public var isAvailable: Bool
    public var sortOrder: Int
    /// v1.1: the groups of options a line chooses from.
    public var optionGroups: [OptionGroup]
    /// v1.1: portions left, or `nil` when not counted.
    public var stock: Int?
    public var translations: Translations

    public init(
        id: String, categoryID: String, name: String, price: Int, description: String?, imageURL: String?,
        isAvailable: Bool, sortOrder: Int, optionGroups: [OptionGroup] = [], stock: Int? = nil,
        translations: Translations = [:]
    ) {
        self.id = id
        self.categoryID = categoryID
        self.name = name
        self.price = price
        self.description = description
        self.imageURL = imageURL
        self.isAvailable = isAvailable
        self.sortOrder = sortOrder
        self.optionGroups = optionGroups
        self.stock = stock
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case id, categoryID = "category_id", name, price, description, imageURL = "image_url"
        case isAvailable = "is_available", sortOrder = "sort_order", optionGroups = "option_groups", stock
        case translations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        categoryID = try c.decode(String.self, forKey: .categoryID)
        name = try c.decode(String.self, forKey: .name)
        price = try c.decode(Int.self, forKey: .price)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        imageURL = try c.decodeIfPresent(String.self, forKey: .imageURL)
        isAvailable = try c.decode(Bool.self, forKey: .isAvailable)
        sortOrder = try c.decode(Int.self, forKey: .sortOrder)
        optionGroups = try c.decodeIfPresent([OptionGroup].self, forKey: .optionGroups) ?? []
        stock = try c.decodeIfPresent(Int.self, forKey: .stock)
        translations = try c.decodeIfPresent(Translations.self, forKey: .translations) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(categoryID, forKey: .categoryID)
        try c.encode(name, forKey: .name)
        try c.encode(price, forKey: .price)
        try c.encode(description, forKey: .description)
        try c.encode(imageURL, forKey: .imageURL)
        try c.encode(isAvailable, forKey: .isAvailable)
        try c.encode(sortOrder, forKey: .sortOrder)
        try c.encode(optionGroups, forKey: .optionGroups)
        try c.encode(stock, forKey: .stock)
        try c.encode(translations, forKey: .translations)
    }
}

/// `GET /api/stores/{store_id}/menus`: also the value cached per store.
public struct StoreMenu: Codable, Sendable, Equatable {
    public var storeID: String
    public var categories: [MenuCategory]
    public var menus: [MenuItem]

    public init(storeID: String, categories: [MenuCategory], menus: [MenuItem]) {
        self.storeID = storeID
        self.categories = categories
        self.menus = menus
    }

    enum CodingKeys: String, CodingKey { case storeID = "store_id", categories, menus }
}

/// `GET /api/admin/orders`: the store's current sessions and the newest event they reflect.
public struct AdminOrdersSnapshot: Codable, Sendable, Equatable {
    public struct TableOrders: Codable, Sendable, Equatable {
        public var tableID: String
        public var tableNumber: Int
        public var totalAmount: Int
        public var orders: [Order]

        public init(tableID: String, tableNumber: Int, totalAmount: Int, orders: [Order]) {
            self.tableID = tableID
            self.tableNumber = tableNumber
            self.totalAmount = totalAmount
            self.orders = orders
        }

        enum CodingKeys: String, CodingKey {
            case tableID = "table_id", tableNumber = "table_number", totalAmount = "total_amount", orders
        }
    }

    public var lastEventID: Int64
    public var tables: [TableOrders]

    public init(lastEventID: Int64, tables: [TableOrders]) {
        self.lastEventID = lastEventID
        self.tables = tables
    }

    enum CodingKeys: String, CodingKey { case lastEventID = "last_event_id", tables }
}

/// What a login needs to know about an account; the hash never leaves the server.
public struct Credential: Sendable {
    public var userID: String
    public var passwordHash: String
    public var tableNumber: Int?
    /// Bumped by every password change or reset; tokens carry the version they were issued at (`cv`).
    public var credentialVersion: Int

    public init(userID: String, passwordHash: String, tableNumber: Int? = nil, credentialVersion: Int = 0) {
        self.userID = userID
        self.passwordHash = passwordHash
        self.tableNumber = tableNumber
        self.credentialVersion = credentialVersion
    }
}

/// A row of `GET /api/admin/tables`.
public struct TableSummary: Codable, Sendable, Equatable {
    public var tableID: String
    public var tableNumber: Int
    public var sessionID: String?
    public var totalAmount: Int

    public init(tableID: String, tableNumber: Int, sessionID: String?, totalAmount: Int) {
        self.tableID = tableID
        self.tableNumber = tableNumber
        self.sessionID = sessionID
        self.totalAmount = totalAmount
    }

    enum CodingKeys: String, CodingKey {
        case tableID = "table_id", tableNumber = "table_number", sessionID = "session_id"
        case totalAmount = "total_amount"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tableID, forKey: .tableID)
        try c.encode(tableNumber, forKey: .tableNumber)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(totalAmount, forKey: .totalAmount)
    }
}

/// A past session of `GET /api/admin/tables/{table_id}/history`; deleted orders appear with `deleted_at`.
public struct SessionHistory: Codable, Sendable, Equatable {
    public var sessionID: String
    public var startedAt: String
    public var endedAt: String?
    public var totalAmount: Int
    public var orders: [Order]

    public init(sessionID: String, startedAt: String, endedAt: String?, totalAmount: Int, orders: [Order]) {
        self.sessionID = sessionID
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.totalAmount = totalAmount
        self.orders = orders
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", startedAt = "started_at", endedAt = "ended_at", totalAmount = "total_amount"
        case orders
    }
}

extension Order {
    /// Whether the order counts toward its table's total: deleted, cancelled and rejected orders do not.
    public var countsTowardTotal: Bool { deletedAt == nil && status.countsTowardTotal }
}
