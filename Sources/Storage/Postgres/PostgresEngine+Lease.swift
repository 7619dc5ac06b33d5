import NIOConcurrencyHelpers
import PostgresNIO
import TableOrderCore

extension PostgresEngine {
    /// Runs `body` on a pooled connection, or throws `DatabaseUnavailable` if none is leased within
    /// `leaseTimeout`. PostgresNIO's pool keeps a lease waiting while it cannot connect, until its circuit
    /// breaker trips a minute later: without this bound a request would hang that long while the
    /// database is down, instead of getting a 503 it can retry. Only the wait for a connection is bounded;
    /// a statement that is running is never cut.
    func leased<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let leaseTimeout = self.leaseTimeout
        return try await withoutActuallyEscaping(body) { body in
            let hasLease = NIOLockedValueBox(false)
            return try await withThrowingTaskGroup(of: LeaseOutcome<T>.self) { group in
                group.addTask {
                    try await .done(self.client.withConnection { connection in
                        hasLease.withLockedValue { $0 = true }
                        return try await body(connection)
                    })
                }
                group.addTask {
                    try await Task.sleep(for: leaseTimeout)
                    guard hasLease.withLockedValue({ $0 }) else {
                        throw DatabaseUnavailable("postgres: no connection within \(leaseTimeout)")
                    }
                    return .leasedInTime
                }
                defer { group.cancelAll() }
                while let outcome = try await group.next() {
                    if case .done(let value) = outcome { return value }
                }
                throw CancellationError()  // unreachable: the first task either returns or throws
            }
        }
    }
}

/// What each task of `leased` ends with: the body's value, or the lease deadline passing after the lease.
private enum LeaseOutcome<T: Sendable>: Sendable {
    case done(T)
    case leasedInTime
}
