import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// PostgreSQL through PostgresNIO: the store of record in production.
///
/// A `Service`: `run()` owns the connection pool, so it starts and drains with the process's `ServiceGroup`.
public final class PostgresDatabase: Service, Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(url: PostgresURL, logger: Logger, maximumConnections: Int = 20) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(3)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.client.run() }
    }

    /// Runs the pool just for `body`: for one-shot commands outside a `ServiceGroup`.
    public func whileRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            defer { group.cancelAll() }
            // Let the pool start before the first lease (PostgresNIO warns about a lease before `run()`).
            try await Task.sleep(for: .milliseconds(20))
            return try await body()
        }
    }

    /// `nil` when a trivial query answers within two seconds, else what is wrong.
    public func problem() async -> String? {
        do {
            try await withTimeout(.seconds(2)) {
                try await self.client.query("SELECT 1", logger: self.logger)
            }
            return nil
        } catch {
            return "postgres: unreachable"
        }
    }
}

/// Runs `body`, failing with `CancellationError` if it takes longer than `timeout`.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw CancellationError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
