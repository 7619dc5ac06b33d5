import Foundation

extension DecodingError {
    /// A one-line explanation naming the offending field (`items[0].quantity`), for 400 answers.
    var fieldMessage: String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return out.isEmpty ? "body" : out
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): is required"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(Self.describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(Self.describe(type)), got null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "body: not valid JSON" }
            return "\(path(context.codingPath)): invalid value"
        @unknown default:
            return "body: invalid"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Int32.Type: "integer"
        case is String.Type: "string"
        case is Bool.Type: "boolean"
        default: "\(type)".lowercased().contains("array") ? "array" : "object"
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes a JSON integer, reporting a non-integer number (`10.5`, `1e100`) as a type mismatch of
    /// *this* field, so the 400 names it (Foundation reports those without the field's path).
    public func decodeInteger(forKey key: Key) throws -> Int {
        do {
            return try decode(Int.self, forKey: key)
        } catch let error as DecodingError {
            guard case .dataCorrupted = error else { throw error }
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: codingPath + [key], debugDescription: "not an integer"))
        } catch {
            // Foundation throws its own parser error for `10.5`; it would surface as "not valid JSON".
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: codingPath + [key], debugDescription: "not an integer"))
        }
    }
}
