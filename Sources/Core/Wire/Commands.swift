/// The bodies of the commands. Keys are snake_case, like every wire format of the system.

public struct CreateOrder: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var menuID: String
        public var quantity: Int
        /// v1.1: the chosen options' ids, as the client listed them.
        public var options: [String]

        public init(menuID: String, quantity: Int, options: [String] = []) {
            self.menuID = menuID
            self.quantity = quantity
            self.options = options
        }

        enum CodingKeys: String, CodingKey { case menuID = "menu_id", quantity, options }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            menuID = try c.decode(String.self, forKey: .menuID)
            quantity = try c.decode(Int.self, forKey: .quantity)
            options = try c.decodeIfPresent([String].self, forKey: .options) ?? []
        }

        /// Without `options` when there are none: a v1 line travels as it did.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(menuID, forKey: .menuID)
            try c.encode(quantity, forKey: .quantity)
            if !options.isEmpty { try c.encode(options, forKey: .options) }
        }
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

/// Moves an order from the status the admin saw (`from`) to `to`; the worker applies it only if the
/// stored status is still `from`, so of two concurrent moves exactly one wins.
public struct ChangeOrderStatus: Codable, Sendable, Equatable {
    public var orderID: String
    public var storeID: String
    public var from: OrderStatus
    public var to: OrderStatus

    public init(orderID: String, storeID: String, from: OrderStatus, to: OrderStatus) {
        self.orderID = orderID
        self.storeID = storeID
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey { case orderID = "order_id", storeID = "store_id", from, to }
}

public struct DeleteOrder: Codable, Sendable, Equatable {
    public var orderID: String
    public var storeID: String

    public init(orderID: String, storeID: String) {
        self.orderID = orderID
        self.storeID = storeID
    }

    enum CodingKeys: String, CodingKey { case orderID = "order_id", storeID = "store_id" }
}

public struct CreateCategory: Codable, Sendable, Equatable {
    public var categoryID: String
    public var storeID: String
    public var name: String
    public var sortOrder: Int
    public var translations: Translations?

    public init(categoryID: String, storeID: String, name: String, sortOrder: Int, translations: Translations? = nil) {
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

public struct CreateMenu: Codable, Sendable, Equatable {
    public var menuID: String
    public var storeID: String
    public var categoryID: String
    public var name: String
    public var price: Int
    public var description: String?
    public var imageURL: String?
    public var isAvailable: Bool
    public var sortOrder: Int
    /// v1.1: every group with its id (the API gives ids to those sent without one).
    public var optionGroups: [OptionGroup]?
    public var translations: Translations?

    public init(
        menuID: String, storeID: String, categoryID: String, name: String, price: Int, description: String?,
        imageURL: String?, isAvailable: Bool, sortOrder: Int, optionGroups: [OptionGroup]? = nil,
        translations: Translations? = nil
    ) {
        self.menuID = menuID
        self.storeID = storeID
        self.categoryID = categoryID
        self.name = name
        self.price = price
        self.description = description
        self.imageURL = imageURL
        self.isAvailable = isAvailable
        self.sortOrder = sortOrder
        self.optionGroups = optionGroups
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case menuID = "menu_id", storeID = "store_id", categoryID = "category_id", name, price, description
        case imageURL = "image_url", isAvailable = "is_available", sortOrder = "sort_order"
        case optionGroups = "option_groups", translations
    }
}

/// Changes the fields that are present; absent fields keep their value.
public struct UpdateMenu: Codable, Sendable, Equatable {
    public var menuID: String
    public var storeID: String
    public var categoryID: String?
    public var name: String?
    public var price: Int?
    public var description: String?
    public var imageURL: String?
    public var isAvailable: Bool?
    public var sortOrder: Int?
    /// v1.1: when present, replaces the whole list.
    public var optionGroups: [OptionGroup]?
    public var translations: Translations?

    public init(
        menuID: String, storeID: String, categoryID: String? = nil, name: String? = nil, price: Int? = nil,
        description: String? = nil, imageURL: String? = nil, isAvailable: Bool? = nil, sortOrder: Int? = nil,
        optionGroups: [OptionGroup]? = nil, translations: Translations? = nil
    ) {
        self.menuID = menuID
        self.storeID = storeID
        self.categoryID = categoryID
        self.name = name
        self.price = price
        self.description = description
        self.imageURL = imageURL
        self.isAvailable = isAvailable
        self.sortOrder = sortOrder
        self.optionGroups = optionGroups
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case menuID = "menu_id", storeID = "store_id", categoryID = "category_id", name, price, description
        case imageURL = "image_url", isAvailable = "is_available", sortOrder = "sort_order"
        case optionGroups = "option_groups", translations
    }
}

public struct DeleteMenu: Codable, Sendable, Equatable {
    public var menuID: String
    public var storeID: String

    public init(menuID: String, storeID: String) {
        self.menuID = menuID
        self.storeID = storeID
    }

    enum CodingKeys: String, CodingKey { case menuID = "menu_id", storeID = "store_id" }
}

/// Creates a table or resets its password; a reset revokes every token the table was issued before it.
/// The API hashes the password: it never travels the queue.
public struct UpsertTable: Codable, Sendable, Equatable {
    public var tableID: String
    public var storeID: String
    public var tableNumber: Int
    public var passwordHash: String

    public init(tableID: String, storeID: String, tableNumber: Int, passwordHash: String) {
        self.tableID = tableID
        self.storeID = storeID
        self.tableNumber = tableNumber
        self.passwordHash = passwordHash
    }

    enum CodingKeys: String, CodingKey {
        case tableID = "table_id", storeID = "store_id", tableNumber = "table_number", passwordHash = "password_hash"
    }
}

public struct CompleteSession: Codable, Sendable, Equatable {
    public var tableID: String
    public var storeID: String

    public init(tableID: String, storeID: String) {
        self.tableID = tableID
        self.storeID = storeID
    }

    enum CodingKeys: String, CodingKey { case tableID = "table_id", storeID = "store_id" }
}

/// Ends one token (logout): it is refused until `expiresAt`, when it would have expired anyway.
public struct RevokeToken: Codable, Sendable, Equatable {
    public var storeID: String
    public var userID: String
    /// The token's `jti`.
    public var tokenID: String
    /// The token's `exp`, in seconds since 1970.
    public var expiresAt: Int

    public init(storeID: String, userID: String, tokenID: String, expiresAt: Int) {
        self.storeID = storeID
        self.userID = userID
        self.tokenID = tokenID
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case storeID = "store_id", userID = "user_id", tokenID = "token_id", expiresAt = "expires_at"
    }
}

/// Replaces an admin's password, which the API checked against the password of `credentialVersion`;
/// the worker applies it only if that is still the stored version (two changes racing from the same old
/// password: the first wins). The API hashes the new password: it never travels the queue.
public struct ChangeAdminPassword: Codable, Sendable, Equatable {
    public var storeID: String
    public var adminID: String
    public var passwordHash: String
    public var credentialVersion: Int

    public init(storeID: String, adminID: String, passwordHash: String, credentialVersion: Int) {
        self.storeID = storeID
        self.adminID = adminID
        self.passwordHash = passwordHash
        self.credentialVersion = credentialVersion
    }

    enum CodingKeys: String, CodingKey {
        case storeID = "store_id", adminID = "admin_id", passwordHash = "password_hash"
        case credentialVersion = "credential_version"
    }
}
