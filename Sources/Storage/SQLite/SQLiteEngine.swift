import Foundation
import Logging
import SQLiteNIO
import TableOrderCore

/// SQLite through SQLiteNIO (which bundles SQLite itself): development mode's embedded store.
///
/// One connection, used by one statement or transaction at a time (`AsyncMutex`); write transactions
/// begin `IMMEDIATE`, so they serialize like PostgreSQL's row locks would. WAL mode lets other processes
/// (`tableorder-worker seed`) read and write the same file.
public final class SQLiteEngine: SQLEngine {
    // SQLite knows no time zones. Timestamps are REAL seconds since 1970, never negative here: the cast
    // rounds down.
    /// Times are seconds since 1970 (`REAL`), none before it: a cast rounds them down.
    public static let dialect = SQLDialect(
        forUpdate: "", wholePeriods: { "CAST(\($0) / \($1) AS INTEGER)" })
    public var dialect: SQLDialect { Self.dialect }
    private let connection: SQLiteConnection
    private let mutex = AsyncMutex()
    let logger: Logger

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public static func open(path: String, logger: Logger) async throws -> SQLiteEngine {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // It holds password hashes: the owner's only. SQLite gives its -wal and -shm files the same mode.
        try PrivateFile.prepare(path)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let engine = SQLiteEngine(connection: connection, logger: logger)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000",
                       "PRAGMA synchronous = NORMAL"] {
            _ = try await connection.query(pragma, [])
        }
        return engine
    }

    public func close() async {
        try? await connection.close()
    }

    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let connection = self.connection
        return try await mutex.withLock { try await Self.run(sql, binds, on: connection) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await inTransaction("BEGIN IMMEDIATE", body)
    }

    public func snapshot<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await inTransaction("BEGIN DEFERRED", body)
    }

    private func inTransaction<T: Sendable>(_ begin: String, _ body: @Sendable (any SQLConnection) async throws -> T)
        async throws -> T
    {
        let connection = self.connection
        return try await mutex.withLock {
            _ = try await Self.run(begin, [], on: connection)
            do {
                let result = try await body(SQLiteSQLConnection(connection: connection))
                _ = try await Self.run("COMMIT", [], on: connection)
                return result
            } catch {
                _ = try? await Self.run("ROLLBACK", [], on: connection)
                throw error
            }
        }
    }

    public func migrate() async throws -> [Int] {
        try await transaction { connection in
            try await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
            let applied = Set(try await connection.query("SELECT version FROM schema_migrations", []).map { try $0.int(0) })
            var done: [Int] = []
            for migration in SQLiteMigrations.versions where !applied.contains(migration.version) {
                for statement in migration.statements { try await connection.execute(statement) }
                try await connection.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.int(migration.version), .date(Date())])
                done.append(migration.version)
            }
            return done
        }
    }

    /// SQLite has no conflict to retry: a write transaction takes the database's write lock as it begins
    /// (`BEGIN IMMEDIATE`), so another writer shows as busy, which is waited out like an outage.
    public func classify(_ error: any Error) -> FailureClass {
        guard let sqlite = error as? SQLiteError else { return .permanent }
        switch sqlite.reason {
        case .busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot, .ioError, .full: return .unavailable
        default: return .permanent
        }
    }

    public func problem() async -> DependencyProblem? {
        do {
            _ = try await query("SELECT 1", [])
            return nil
        } catch {
            return DependencyProblem("sqlite", "\(error)")
        }
    }

    static func run(_ sql: String, _ binds: [SQLValue], on connection: SQLiteConnection) async throws -> [SQLRow] {
        let data: [SQLiteData] = binds.map { value in
            switch value {
            case .text(let s): .text(s)
            case .int(let i): .integer(i)
            case .double(let d): .float(d)
            case .bool(let b): .integer(b ? 1 : 0)
            case .date(let d): .float(d.timeIntervalSince1970)
            case .uuid(let u): .text(u.lowercased)
            case .null: .null
            }
        }
        return try await connection.query(sql, data).map { row in
            SQLRow(
                row.columns.map { column in
                    switch column.data {
                    case .integer(let i): .int(i)
                    case .float(let d): .double(d)
                    case .text(let s): .text(s)
                    case .blob(let b): .text(String(buffer: b))
                    case .null: .null
                    }
                })
        }
    }
}

struct SQLiteSQLConnection: SQLConnection {
    let connection: SQLiteConnection

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await SQLiteEngine.run(sql, binds, on: connection)
    }
}
