/// A bound the contract sets on a value a client sends, declared once: the API's validators check it, the
/// OpenAPI document publishes it (`GET /openapi.json`), and `DocumentedLimitsTests` sends the values at and
/// just past each bound the document states.
public struct Limit: Sendable, Equatable {
    /// What is counted.
    public enum Measure: Sendable, Equatable {
        /// The value itself.
        case value
        /// Unicode scalars (contract v1.1 §2), not bytes and not user-perceived characters.
        case characters
        /// Elements of an array.
        case items
    }

    public let field: String
    public let range: ClosedRange<Int>
    public let measure: Measure
    /// What the 400's message calls the counted things (`lines` for an order's items).
    public let noun: String?

    public static func value(_ field: String, _ range: ClosedRange<Int>) -> Limit {
        Limit(field: field, range: range, measure: .value, noun: nil)
    }
    public static func text(_ field: String, _ range: ClosedRange<Int>, noun: String = "characters") -> Limit {
        Limit(field: field, range: range, measure: .characters, noun: noun)
    }
    public static func items(_ field: String, _ range: ClosedRange<Int>, noun: String = "items") -> Limit {
        Limit(field: field, range: range, measure: .items, noun: noun)
    }

    /// Throws the contract's 400 unless `amount` (the value, or its count) is in range. `path` names the
    /// field in the message when it is not `field` alone (`items[3].quantity`).
    public func check(_ amount: Int, at path: String? = nil) throws {
        guard range.contains(amount) else { throw ServiceError.validation("\(path ?? field): \(expectation)") }
    }

    /// Counts `text` in Unicode scalars.
    public func check(_ text: String, at path: String? = nil) throws {
        try check(text.scalarCount, at: path)
    }

    /// The message's wording: `1..100 characters`, `at most 500 characters`, `1..99`.
    public var expectation: String {
        guard let noun else { return "\(range.lowerBound)..\(range.upperBound)" }
        if range.lowerBound == 0 { return "at most \(range.upperBound) \(noun)" }
        return "\(range.lowerBound)..\(range.upperBound) \(noun)"
    }
}

/// The contract's limits on the fields of request bodies and on `Idempotency-Key` (§1, §3–§6).
public enum Limits {
    // §3 logging in, passwords
    public static let username = Limit.text("username", 1...100)
    public static let tableNumber = Limit.value("table_number", 1...10_000)
    public static let newPassword = Limit.text("new_password", 8...128)
    public static let tablePassword = Limit.text("password", 4...128)
    // §5 the menu
    public static let name = Limit.text("name", 1...100)
    public static let price = Limit.value("price", 0...10_000_000)
    public static let description = Limit.text("description", 0...1000)
    public static let imageURL = Limit.text("image_url", 0...2048)
    public static let sortOrder = Limit.value("sort_order", -1_000_000...1_000_000)
    // §5 (v1.1) options, stock, translations
    public static let optionGroups = Limit.items("option_groups", 0...10, noun: "groups")
    public static let groupOptions = Limit.items("options", 1...20, noun: "options")
    public static let optionName = Limit.text("name", 1...50)
    public static let minSelect = Limit.value("min_select", 0...20)
    public static let maxSelect = Limit.value("max_select", 1...20)
    public static let priceDelta = Limit.value("price_delta", -1_000_000...1_000_000)
    public static let stock = Limit.value("stock", 0...1_000_000)
    public static let translations = Limit.items("translations", 0...10, noun: "languages")
    public static let languageTag = Limit.text("translations", 2...35, noun: "characters in a language tag")
    // §6 orders
    public static let orderLines = Limit.items("items", 1...50, noun: "lines")
    public static let quantity = Limit.value("quantity", 1...99)
    public static let note = Limit.text("note", 0...500)
    /// v1.1: a line chooses at most one of every option a menu can have (10 groups of 20).
    public static let lineOptions = Limit.items("options", 0...200, noun: "options")
    // §7 (v1.1) staff calls
    public static let callNote = Limit.text("note", 0...200)
    // §1 writes
    public static let idempotencyKey = Limit.text("Idempotency-Key", 1...128, noun: "visible ASCII characters")
}
