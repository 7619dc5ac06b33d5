/// The bodies of the v1.1 commands: the restaurant's day (contract §5–7).

/// The sold-out switch and the restock (`PATCH /api/admin/menus/{id}/availability`).
public struct SetMenuAvailability: Codable, Sendable, Equatable {
    public var menuID: String
    public var storeID: String
    public var isAvailable: Bool?
    /// Whether `stock` is to be set (to `stock`, which `nil` makes "not counted").
    public var setsStock: Bool
    public var stock: Int?

    public init(menuID: String, storeID: String, isAvailable: Bool?, setsStock: Bool, stock: Int?) {
        self.menuID = menuID
        self.storeID = storeID
        self.isAvailable = isAvailable
        self.setsStock = setsStock
        self.stock = stock
    }

    enum CodingKeys: String, CodingKey {
        case menuID = "menu_id", storeID = "store_id", isAvailable = "is_available", setsStock = "sets_stock", stock
    }
}

/// Cancels `quantity` portions of one line of an order.
public struct CancelOrderItems: Codable, Sendable, Equatable {
    public var orderID: String
    public var storeID: String
    public var itemID: String
    public var quantity: Int

    public init(orderID: String, storeID: String, itemID: String, quantity: Int) {
        self.orderID = orderID
        self.storeID = storeID
        self.itemID = itemID
        self.quantity = quantity
    }

    enum CodingKeys: String, CodingKey { case orderID = "order_id", storeID = "store_id", itemID = "item_id", quantity }
}

/// Renames or re-sorts a category; absent fields keep their value.
public struct UpdateCategory: Codable, Sendable, Equatable {
    public var categoryID: String
    public var storeID: String
    public var name: String?
    public var sortOrder: Int?
    public var translations: Translations?

    public init(categoryID: String, storeID: String, name: String?, sortOrder: Int?, translations: Translations?) {
        self.categoryID = categoryID
        self.storeID = storeID
        self.name = name
        self.sortOrder = sortOrder
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case categoryID = "category_id", storeID = "store_id", name, sortOrder = "sort_order", translations
    }
}

/// Deletes a category that holds no menu (the worker checks again: one that gained a menu stays).
public struct DeleteCategory: Codable, Sendable, Equatable {
    public var categoryID: String
    public var storeID: String

    public init(categoryID: String, storeID: String) {
        self.categoryID = categoryID
        self.storeID = storeID
    }

    enum CodingKeys: String, CodingKey { case categoryID = "category_id", storeID = "store_id" }
}

/// A table's call for staff; the worker stores it unless the table has an open call of that type.
public struct CreateCall: Codable, Sendable, Equatable {
    public var callID: String
    public var storeID: String
    public var tableID: String
    public var type: CallType
    public var note: String?

    public init(callID: String, storeID: String, tableID: String, type: CallType, note: String?) {
        self.callID = callID
        self.storeID = storeID
        self.tableID = tableID
        self.type = type
        self.note = note
    }

    enum CodingKeys: String, CodingKey { case callID = "call_id", storeID = "store_id", tableID = "table_id", type, note }
}

/// Moves a call from the status staff saw (`from`); applied only if it is still that (compare-and-set).
public struct UpdateCall: Codable, Sendable, Equatable {
    public var callID: String
    public var storeID: String
    public var from: CallStatus
    public var to: CallStatus

    public init(callID: String, storeID: String, from: CallStatus, to: CallStatus) {
        self.callID = callID
        self.storeID = storeID
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey { case callID = "call_id", storeID = "store_id", from, to }
}

/// Renames the store or moves it to another time zone (`PUT /api/admin/store`).
public struct UpdateStore: Codable, Sendable, Equatable {
    public var storeID: String
    public var name: String?
    public var timeZone: String?

    public init(storeID: String, name: String?, timeZone: String?) {
        self.storeID = storeID
        self.name = name
        self.timeZone = timeZone
    }

    enum CodingKeys: String, CodingKey { case storeID = "store_id", name, timeZone = "timezone" }
}
