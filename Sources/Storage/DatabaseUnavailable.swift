import _ConnectionPoolModule
import PostgresNIO
import TableOrderCore

/// The database could not be reached in time: no pooled connection within the lease deadline, or the
/// connection failed. Kept apart from a statement that failed because the right answer differs: the API
/// answers 503 with `Retry-After` (the client should simply retry) instead of 500, and the worker retries.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// Whether `error` says the database was unreachable, rather than that a statement was wrong.
    public static func isCause(of error: any Error) -> Bool {
        switch error {
        case is DatabaseUnavailable:
            return true
        case let statement as TransactionStatementFailed:
            return isCause(of: statement.error)
        case let transaction as PostgresTransactionError:
            // BEGIN or COMMIT that failed is the connection; an error inside the body is judged on its own.
            if let inner = transaction.closureError { return isCause(of: inner) }
            return (transaction.beginError ?? transaction.commitError).map(isCause(of:)) ?? false
        case let pool as ConnectionPoolError:
            // After a minute of failed connection attempts the pool fails every lease at once, until a
            // connection succeeds again: the outage goes on.
            return pool == .connectionCreationCircuitBreakerTripped
        case let psql as PSQLError:
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // Connection exceptions (08), operator intervention such as a shutdown (57), resources (53);
                // but not a cancelled query (57014, a statement timeout): the same statement would time out
                // again, and waiting for it without end would stall the queue.
                let state = psql.serverInfo?[.sqlState] ?? ""
                return state != "57014" && ["08", "57", "53"].contains(String(state.prefix(2)))
            default:
                return false
            }
        default:
            return false
        }
    }
}

/// BEGIN or COMMIT of a transaction failed (not a statement of its body).
public struct TransactionStatementFailed: Error, CustomStringConvertible {
    public let statement: String
    public let error: any Error
    public var description: String { "\(statement) failed: \(String(reflecting: error))" }
}
