import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import TableOrderCore

/// PostgreSQL through PostgresNIO: the store of record in production.
///
/// A `Service`: `run()` owns the connection pool, so it starts and drains with the process's `ServiceGroup`.
public final class PostgresEngine: SQLEngine, Service {
    public let client: PostgresClient
    let logger: Logger
    public static let dialect = SQLDialect(
        forUpdate: " FOR UPDATE",
        wholePeriods: { "CAST(floor(extract(epoch FROM \($0)) / \($1)) AS BIGINT)" },
        // A report's queries are small (the rollup, a day or two of items): starting parallel workers for
        // them cost more than they saved (50 ms against 12 for a partial day's items on this machine).
        reportSettings: ["SET LOCAL max_parallel_workers_per_gather = 0"])
    public var dialect: SQLDialect { Self.dialect }
    /// How long a caller waits for a pooled connection before the database counts as unavailable.
    public let leaseTimeout: Duration

    /// `trustRootsFile`: `TLS_CA_FILE`, the roots trusted when the URL's `sslrootcert` names none.
    public init(
        url: PostgresURL, trustRootsFile: String? = nil, logger: Logger, maximumConnections: Int = 20,
        leaseTimeout: Duration = .seconds(3)
    ) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: Self.tls(url, trustRootsFile: trustRootsFile))
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(3)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        self.leaseTimeout = leaseTimeout
    }

    static func tls(_ url: PostgresURL, trustRootsFile: String?) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = url.tlsMode == .verifyCA ? .noHostnameVerification : .fullVerification
        if let roots = url.rootCertificateFile ?? trustRootsFile { tls.trustRoots = .file(roots) }
        switch url.tlsMode {
        case .disable: return .disable
        case .prefer: return .prefer(tls)
        case .require, .verifyCA, .verifyFull: return .require(tls)
        }
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

    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let logger = self.logger
        return try await leased { connection in
            try await PostgresSQLConnection(connection: connection, logger: logger).query(sql, binds)
        }
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK when `body` fails, unless its failure says the connection is gone:
    /// a ROLLBACK sent on a connection the server has ended was seen to wait for good (PostgresNIO's
    /// `withTransaction` sends it whatever the failure), and the server has rolled back anyway.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await leased { connection in
            do {
                try await connection.query("BEGIN;", logger: logger)
            } catch {
                throw TransactionStatementFailed(statement: "BEGIN", error: error)
            }
            let value: T
            do {
                value = try await body(PostgresSQLConnection(connection: connection, logger: logger))
            } catch {
                if !DatabaseUnavailable.isCause(of: error) { _ = try? await connection.query("ROLLBACK;", logger: logger) }
                throw error
            }
            do {
                try await connection.query("COMMIT;", logger: logger)
            } catch {
                throw TransactionStatementFailed(statement: "COMMIT", error: error)
            }
            return value
        }
    }

    public func snapshot<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await leased { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let result = try await body(PostgresSQLConnection(connection: connection, logger: logger))
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    public func migrate() async throws -> [Int] {
        try await PostgresMigrations.migrate(client, logger: logger)
    }

    public func classify(_ error: any Error) -> FailureClass {
        if let statement = error as? TransactionStatementFailed {
            // No constraint of ours is deferred to COMMIT, so BEGIN and COMMIT fail for the connection or
            // a lost race, never for what the commands hold.
            return Self.isConflict(statement.error) ? .conflict : .unavailable
        }
        if let transaction = error as? PostgresTransactionError {
            // An error inside the body is judged on its own.
            if let inner = transaction.closureError { return classify(inner) }
            // BEGIN or COMMIT failed. No constraint of ours is deferred to COMMIT, so these fixed
            // statements fail for the connection or a lost race, never for what the commands hold.
            let statement = transaction.beginError ?? transaction.commitError
            return statement.map(Self.isConflict) == true ? .conflict : .unavailable
        }
        if DatabaseUnavailable.isCause(of: error) { return .unavailable }
        if Self.isConflict(error) { return .conflict }
        // Any other server error (a violated constraint, a value of the wrong type) is the statement's; an error
        // of a kind not named above is nobody's to retry.
        return .permanent
    }

    /// SQLSTATE class 40, transaction rollback: a serialization failure or a deadlock, which the
    /// server resolved by failing this transaction; another attempt can succeed.
    private static func isConflict(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError, psql.code == .server else { return false }
        return psql.serverInfo?[.sqlState]?.hasPrefix("40") == true
    }

    public func problem() async -> DependencyProblem? {
        do {
            _ = try await withTimeout(.seconds(2)) { try await self.query("SELECT 1", []) }
            return nil
        } catch {
            return DependencyProblem("postgres", "\(error)")
        }
    }

    // MARK: - `?` statements on PostgresNIO

    static func makeQuery(_ sql: String, _ binds: [SQLValue]) throws -> PostgresQuery {
        // `?` → `$1, $2, …` (our statements have no `?` inside string literals).
        var text = ""
        text.reserveCapacity(sql.utf8.count + binds.count * 2)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                text += "$\(index)"
            } else {
                text.append(character)
            }
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .text(let s): bindings.append(s)
            case .int(let i): bindings.append(i)
            case .double(let d): bindings.append(d)
            case .bool(let b): bindings.append(b)
            case .date(let d): bindings.append(d)
            case .uuid(let u): bindings.append(u)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }

    static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var out: [SQLRow] = []
        for try await row in rows {
            var values: [SQLValue] = []
            for cell in row {
                values.append(try value(of: cell))
            }
            out.append(SQLRow(values))
        }
        return out
    }

    static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .uuid: return .uuid(try cell.decode(UUID.self))
        case .int2, .int4, .int8: return .int(try cell.decode(Int.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}

struct PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let rows = try await connection.query(try PostgresEngine.makeQuery(sql, binds), logger: logger)
        return try await PostgresEngine.collect(rows)
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
