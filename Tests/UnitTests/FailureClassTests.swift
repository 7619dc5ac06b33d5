import _ConnectionPoolModule
import Foundation
import Logging
@testable import TableOrderCore
@testable import TableOrderStorage
import Testing

/// Each engine's classification of failures, as the worker retries by it (`FailureClass`).
@Suite struct FailureClassTests {
    private struct NeverSeenError: Error {}

    // MARK: - PostgreSQL

    /// PostgreSQL's own errors — `PSQLError` (a lost connection, a server shutting down, SQLSTATE class 40
    /// conflicts, constraint violations) and `PostgresTransactionError` — have no public initialisers, so
    /// their classification is covered only end to end, against a server: `PostgresFailureClassTests`
    /// provokes them, and `FaultTests` stops PostgreSQL under load and expects every command applied once
    /// it is back. The errors here are ours or public. The engine is never run: classifying needs no server.
    private static func postgres() throws -> SQLStore {
        let url = try PostgresURL(parsing: "postgres://tableorder@127.0.0.1:1/never")
        return SQLStore(engine: PostgresEngine(url: url, logger: Logger(label: "unused")))
    }

    @Test func postgresCountsAnExpiredLeaseAndATrippedPoolAsUnavailable() throws {
        let store = try Self.postgres()
        #expect(store.classify(DatabaseUnavailable("postgres: no connection within 3 s")) == .unavailable)
        // What every lease fails with once the pool has failed to connect for a minute.
        #expect(store.classify(ConnectionPoolError.connectionCreationCircuitBreakerTripped) == .unavailable)
    }

    @Test func postgresCountsARejectionAndAnErrorNeverSeenAsPermanent() throws {
        let store = try Self.postgres()
        #expect(store.classify(CommandRejection("menu is not in store")) == .permanent)
        #expect(store.classify(NeverSeenError()) == .permanent)
    }

    // MARK: - SQLite

    @Test func sqliteCountsAnotherWritersLockAsUnavailable() async throws {
        try await withSQLite { holder, other in
            // `holder` takes the write lock and keeps it until released; `other` does not wait for it.
            _ = try await other.query("PRAGMA busy_timeout = 0", [])
            let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
            let (release, released) = AsyncStream.makeStream(of: Void.self)
            let holding = Task {
                try await holder.transaction { _ in
                    lockTaken.yield()
                    for await _ in release { break }
                }
            }
            for await _ in locked { break }
            var busy: (any Error)?
            do { try await other.transaction { _ in } } catch { busy = error }
            released.yield()
            try await holding.value

            let error = try #require(busy)
            #expect(SQLStore(engine: other).classify(error) == .unavailable, "\(error)")
        }
    }

    @Test func sqliteCountsAConstraintViolationARejectionAndAnErrorNeverSeenAsPermanent() async throws {
        try await withSQLite { engine, _ in
            _ = try await engine.query("CREATE TABLE seats (number INTEGER PRIMARY KEY)", [])
            _ = try await engine.query("INSERT INTO seats (number) VALUES (1)", [])
            var duplicate: (any Error)?
            do { _ = try await engine.query("INSERT INTO seats (number) VALUES (1)", []) } catch { duplicate = error }

            let store = SQLStore(engine: engine)
            let error = try #require(duplicate)
            #expect(store.classify(error) == .permanent, "\(error)")
            #expect(store.classify(CommandRejection("table is not in store")) == .permanent)
            #expect(store.classify(NeverSeenError()) == .permanent)
        }
    }

    /// Two connections to one new database file, removed afterwards.
    private func withSQLite(_ body: (SQLiteEngine, SQLiteEngine) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("failure-class-\(UUID()).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let first = try await SQLiteEngine.open(path: path, logger: Logger(label: "unused"))
        let second = try await SQLiteEngine.open(path: path, logger: Logger(label: "unused"))
        do {
            try await body(first, second)
        } catch {
            await first.close()
            await second.close()
            throw error
        }
        await first.close()
        await second.close()
    }
}
