/// A JSON document written as Swift literals (for the OpenAPI description).
indirect enum JSONValue: Encodable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([JSONValue])
    /// Keys keep their order, so the document reads in the order it was written.
    case object([(String, JSONValue)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }

    typealias Key = String
    typealias Value = JSONValue
    typealias ArrayLiteralElement = JSONValue

    struct CodingName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let pairs):
            var c = encoder.container(keyedBy: CodingName.self)
            for (key, value) in pairs { try c.encode(value, forKey: CodingName(stringValue: key)) }
        }
    }

    /// The keys of an object, in order.
    var keys: [String] {
        if case .object(let pairs) = self { return pairs.map(\.0) }
        return []
    }

    /// An object with `more` pairs after its own.
    func appending(_ more: [(String, JSONValue)]) -> JSONValue {
        guard case .object(let pairs) = self else { return self }
        return .object(pairs + more)
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }
}
