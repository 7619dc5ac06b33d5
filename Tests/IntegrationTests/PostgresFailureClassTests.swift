import Foundation
import Logging
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// PostgreSQL's real failures as `PostgresEngine.classify` sorts them for the worker's retries. They
/// cannot be built without a server (`PSQLError` has no public initialiser), so they are provoked here;
/// `FailureClassTests` covers the rest without one.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct PostgresFailureClassTests {
    @Test func aViolatedConstraintIsPermanent() async throws {
        let engine = try Self.engine()
        try await engine.whileRunning {
            let failure = await Self.failure(of: engine) { connection in
                _ = try await connection.query("CREATE TEMP TABLE seats (number int PRIMARY KEY) ON COMMIT DROP", [])
                _ = try await connection.query("INSERT INTO seats (number) VALUES (1), (1)", [])
            }
            #expect(failure == .permanent)
        }
    }

    @Test func theVictimOfADeadlockIsAConflict() async throws {
        let engine = try Self.engine()
        let table = "failure_class_\(UUID().uuidString.prefix(8).lowercased())"
        try await engine.whileRunning {
            _ = try await engine.query("CREATE TABLE \(table) (id int PRIMARY KEY)", [])
            _ = try await engine.query("INSERT INTO \(table) (id) VALUES (1), (2)", [])
            // Each transaction locks one row, then waits for the other's: the server fails one of them.
            let (firstLocked, firstLocks) = AsyncStream.makeStream(of: Void.self)
            let (secondLocked, secondLocks) = AsyncStream.makeStream(of: Void.self)
            async let first = Self.failure(of: engine) { connection in
                _ = try await connection.query("SELECT id FROM \(table) WHERE id = 1 FOR UPDATE", [])
                firstLocks.yield()
                for await _ in secondLocked { break }
                _ = try await connection.query("SELECT id FROM \(table) WHERE id = 2 FOR UPDATE", [])
            }
            async let second = Self.failure(of: engine) { connection in
                for await _ in firstLocked { break }
                _ = try await connection.query("SELECT id FROM \(table) WHERE id = 2 FOR UPDATE", [])
                secondLocks.yield()
                _ = try await connection.query("SELECT id FROM \(table) WHERE id = 1 FOR UPDATE", [])
            }
            let failures = await [first, second]
            _ = try await engine.query("DROP TABLE \(table)", [])

            #expect(failures.filter { $0 == .conflict }.count == 1, "\(failures)")
            #expect(failures.filter { $0 == nil }.count == 1, "the other transaction commits: \(failures)")
        }
    }

    @Test func aConnectionTheServerEndsIsUnavailable() async throws {
        let engine = try Self.engine()
        try await engine.whileRunning {
            let failure = await Self.failure(of: engine) { connection in
                _ = try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", [])
            }
            #expect(failure == .unavailable)
        }
    }

    @Test func aServerNobodyAnswersAtIsUnavailable() async throws {
        let nobody = "postgres://postgres@127.0.0.1:1/tableorder"
        let engine = try Self.engine(url: nobody, leaseTimeout: .milliseconds(300))
        try await engine.whileRunning {
            let failure = await Self.failure(of: engine) { connection in
                _ = try await connection.query("SELECT 1", [])
            }
            #expect(failure == .unavailable)
        }
    }

    private static func engine(
        url: String? = TestEnvironment.databaseURL, leaseTimeout: Duration = .seconds(20)
    ) throws -> PostgresEngine {
        let url = try PostgresURL(parsing: try #require(url))
        return PostgresEngine(url: url, logger: Logger(label: "failure-class"), leaseTimeout: leaseTimeout)
    }

    /// How the transaction's failure is classified; `nil` if it committed.
    private static func failure(
        of engine: PostgresEngine, _ body: @escaping @Sendable (any SQLConnection) async throws -> Void
    ) async -> FailureClass? {
        do {
            try await engine.transaction(body)
            return nil
        } catch {
            return engine.classify(error)
        }
    }
}
