/// A name (and description) in another language (contract v1.1 §5), keyed by a BCP 47 tag.
public struct Translation: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?

    public init(name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }
}

/// Translations by BCP 47 tag (`en`, `zh-Hans`).
public typealias Translations = [String: Translation]

/// One choice of an option group: "large", "extra cheese".
public struct MenuOption: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var priceDelta: Int
    public var isAvailable: Bool
    public var translations: Translations

    public init(id: String, name: String, priceDelta: Int, isAvailable: Bool = true, translations: Translations = [:]) {
        self.id = id
        self.name = name
        self.priceDelta = priceDelta
        self.isAvailable = isAvailable
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case id, name, priceDelta = "price_delta", isAvailable = "is_available", translations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        priceDelta = try c.decode(Int.self, forKey: .priceDelta)
        isAvailable = try c.decodeIfPresent(Bool.self, forKey: .isAvailable) ?? true
        translations = try c.decodeIfPresent(Translations.self, forKey: .translations) ?? [:]
    }
}

/// A menu's group of options — size, spice level, extras — with how many a line must and may choose.
public struct OptionGroup: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var minSelect: Int
    public var maxSelect: Int
    public var sortOrder: Int
    public var options: [MenuOption]
    public var translations: Translations

    public init(
        id: String, name: String, minSelect: Int, maxSelect: Int, sortOrder: Int = 0, options: [MenuOption],
        translations: Translations = [:]
    ) {
        self.id = id
        self.name = name
        self.minSelect = minSelect
        self.maxSelect = maxSelect
        self.sortOrder = sortOrder
        self.options = options
        self.translations = translations
    }

    enum CodingKeys: String, CodingKey {
        case id, name, minSelect = "min_select", maxSelect = "max_select", sortOrder = "sort_order", options
        case translations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        minSelect = try c.decode(Int.self, forKey: .minSelect)
        maxSelect = try c.decode(Int.self, forKey: .maxSelect)
        sortOrder = try c.decodeIfPresent(Int.self, forKey: .sortOrder) ?? 0
        options = try c.decode([MenuOption].self, forKey: .options)
        translations = try c.decodeIfPresent(Translations.self, forKey: .translations) ?? [:]
    }
}

/// An option as an order line keeps it: copied when the order is stored, like the menu's name and price.
public struct ChosenOption: Codable, Sendable, Equatable {
    public var optionID: String
    public var groupID: String
    public var groupName: String
    public var name: String
    public var priceDelta: Int

    public init(optionID: String, groupID: String, groupName: String, name: String, priceDelta: Int) {
        self.optionID = optionID
        self.groupID = groupID
        self.groupName = groupName
        self.name = name
        self.priceDelta = priceDelta
    }

    enum CodingKeys: String, CodingKey {
        case optionID = "option_id", groupID = "group_id", groupName = "group_name", name, priceDelta = "price_delta"
    }
}
