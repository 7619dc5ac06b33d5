import Foundation
import Logging
import PostgresNIO

/// Direct SQL access for assertions about what was persisted.
enum TestDatabase {
    static func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let url = URLComponents(string: TestEnvironment.databaseURL!)!
        let config = PostgresClient.Configuration(
            host: url.host!, port: url.port ?? 5432, username: url.user!, password: url.password,
            database: String(url.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: config)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    static func count(_ query: PostgresQuery) async throws -> Int {
        try await withClient { client in
            let rows = try await client.query(query)
            for try await n in rows.decode(Int.self) { return n }
            return 0
        }
    }
}
