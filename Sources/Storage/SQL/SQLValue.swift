import Foundation
import TableOrderCore

/// A bound parameter or a column value, engine-neutral. Each engine maps these to its own types
/// (PostgreSQL: uuid, timestamptz, bool; SQLite: text, real seconds, integer).
public enum SQLValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case date(Date)
    case uuid(UUID)
    case null

    public static func optional(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    public static func optional(_ value: Int?) -> SQLValue { value.map(SQLValue.int) ?? .null }
    public static func optional(_ value: Bool?) -> SQLValue { value.map(SQLValue.bool) ?? .null }
    public static func optional(_ value: UUID?) -> SQLValue { value.map(SQLValue.uuid) ?? .null }
}

/// A result row with typed accessors by column position. Values are converted from the engine's
/// representation here, so repositories read `uuid(0)` whether the column is `uuid` or `text`.
public struct SQLRow: Sendable {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) { self.values = values }

    struct Mismatch: Error, CustomStringConvertible {
        let index: Int
        let expected: String
        let value: SQLValue
        var description: String { "column \(index): expected \(expected), got \(value)" }
    }

    private func value(_ index: Int) -> SQLValue { index < values.count ? values[index] : .null }

    public func isNull(_ index: Int) -> Bool { value(index) == .null }

    public func string(_ index: Int) throws -> String {
        switch value(index) {
        case .text(let s): return s
        case .uuid(let u): return u.lowercased
        case .int(let i): return String(i)
        case let other: throw Mismatch(index: index, expected: "text", value: other)
        }
    }

    public func optionalString(_ index: Int) throws -> String? { isNull(index) ? nil : try string(index) }

    public func int(_ index: Int) throws -> Int {
        switch value(index) {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d: return Int(d)
        case .bool(let b): return b ? 1 : 0
        case .text(let s) where Int(s) != nil: return Int(s)!
        case let other: throw Mismatch(index: index, expected: "integer", value: other)
        }
    }

    public func optionalInt(_ index: Int) throws -> Int? { isNull(index) ? nil : try int(index) }

    public func int64(_ index: Int) throws -> Int64 { Int64(try int(index)) }

    public func bool(_ index: Int) throws -> Bool {
        switch value(index) {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case let other: throw Mismatch(index: index, expected: "boolean", value: other)
        }
    }

    public func uuid(_ index: Int) throws -> UUID {
        switch value(index) {
        case .uuid(let u): return u
        case .text(let s) where UUID(uuidString: s) != nil: return UUID(uuidString: s)!
        case let other: throw Mismatch(index: index, expected: "uuid", value: other)
        }
    }

    public func optionalUUID(_ index: Int) throws -> UUID? { isNull(index) ? nil : try uuid(index) }

    public func date(_ index: Int) throws -> Date {
        switch value(index) {
        case .date(let d): return d
        case .double(let seconds): return Date(timeIntervalSince1970: seconds)
        case .int(let seconds): return Date(timeIntervalSince1970: TimeInterval(seconds))
        case let other: throw Mismatch(index: index, expected: "timestamp", value: other)
        }
    }

    public func optionalDate(_ index: Int) throws -> Date? { isNull(index) ? nil : try date(index) }
}
