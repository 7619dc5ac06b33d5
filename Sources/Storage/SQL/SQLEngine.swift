import Foundation
import TableOrderCore

/// A connection inside a transaction or a snapshot: statements are written once, with `?` placeholders,
/// and every engine runs them.
public protocol SQLConnection: Sendable {
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

extension SQLConnection {
    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        try await query(sql, binds)
    }

    /// Whether the statement produced a row (`RETURNING 1`, `SELECT 1`).
    public func returnsRow(_ sql: String, _ binds: [SQLValue]) async throws -> Bool {
        try await !query(sql, binds).isEmpty
    }

    public func first(_ sql: String, _ binds: [SQLValue]) async throws -> SQLRow? {
        try await query(sql, binds).first
    }
}

/// What differs between the engines beyond types: row locks, the rollup's time keys and a report's settings.
public struct SQLDialect: Sendable {
    /// Appended to a `SELECT` that must lock its rows until commit (`FOR UPDATE`; SQLite locks the whole
    /// database for a write transaction instead).
    public var forUpdate: String
    /// Whole periods of `seconds` since 1970 in a timestamp column, rounded down: the sales rollup's keys.
    public var wholePeriods: @Sendable (_ column: String, _ seconds: Int) -> String
    /// Run first in a report's snapshot.
    public var reportSettings: [String]

    public init(
        forUpdate: String, wholePeriods: @escaping @Sendable (String, Int) -> String, reportSettings: [String] = []
    ) {
        self.forUpdate = forUpdate
        self.wholePeriods = wholePeriods
        self.reportSettings = reportSettings
    }

    func wholePeriods(_ column: String, seconds: Int) -> String { wholePeriods(column, seconds) }

    /// `(?, ?), (?, ?)` for a multi-row `VALUES` of `count` rows (or `template` repeated).
    public static func rows(_ count: Int, columns: Int, template: String? = nil) -> String {
        let row = template ?? "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: count).joined(separator: ", ")
    }

    /// `(?, ?, ?)` for an `IN` list of `count` values.
    public static func list(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: max(count, 1)).joined(separator: ", ") + ")"
    }
}

/// A database engine: PostgreSQL in production, SQLite in development. Repositories are written once
/// over this protocol (`SQLStore`); only the SQL text and the types differ.
public protocol SQLEngine: Sendable {
    var dialect: SQLDialect { get }
    /// A single statement outside any explicit transaction.
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// A write transaction: commits if `body` returns, rolls back if it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// A read-only transaction that sees one consistent snapshot.
    func snapshot<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    /// Applies pending schema migrations; returns the versions applied.
    func migrate() async throws -> [Int]
    /// Whether a failure is the engine's state, a lost race or the statement's (`FailureClass`); an
    /// error the engine does not recognise is `.permanent`.
    func classify(_ error: any Error) -> FailureClass
    /// `nil` when the engine answers, else what is wrong (for `/readyz`).
    func problem() async -> DependencyProblem?
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
