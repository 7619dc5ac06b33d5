import Logging
import ServiceLifecycle
import TableOrderCore

extension CommandProcessor {
    /// How long a failed transaction is tried again, by what its failure says (`FailureClass`).
    public struct RetryPolicy: Sendable {
        /// The waits while the database is unavailable. Attempts are not limited: the commands are fine,
        /// and handing them back to the broker would only spend their delivery limit until good
        /// commands were dead-lettered.
        public var unavailable: Backoff
        /// Attempts in all for a transaction that keeps losing races; then its commands count as unappliable.
        public var conflictAttempts: Int
        /// The waits between those attempts.
        public var conflict: Backoff

        public init(
            unavailable: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5)),
            conflictAttempts: Int = 5,
            conflict: Backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(500))
        ) {
            self.unavailable = unavailable
            self.conflictAttempts = conflictAttempts
            self.conflict = conflict
        }
    }

    /// What came of applying commands in one transaction.
    enum Outcome {
        case applied(CommandHandler.Applied)
        /// They cannot apply as they are; `reason` goes to the dead-letter log.
        case failed(reason: String)
        /// Shutdown or cancellation came before a retry succeeded: nothing may be acknowledged, the
        /// broker redelivers.
        case interrupted
    }

    /// Applies the commands in one transaction, trying again while the failure allows (`retry`).
    func apply(_ commands: [CommandEnvelope]) async -> Outcome {
        var unavailableWait = retry.unavailable
        var conflictWait = retry.conflict
        var conflicts = 0
        let handler = self.handler
        while true {
            do {
                return .applied(
                    try await database.transaction { tx in
                        try await tx.lockStores(commands.map(\.command.storeID))
                        return try await handler.apply(commands, in: tx)
                    })
            } catch {
                // Once cancelled, any failure may be the cancellation's doing: settle nothing.
                if Task.isCancelled { return .interrupted }
                let failure = database.classify(error)
                let wait: Duration
                switch failure {
                case .permanent:
                    return .failed(reason: "\(error)")
                case .conflict:
                    conflicts += 1
                    guard conflicts < retry.conflictAttempts else {
                        return .failed(reason: "still conflicting after \(conflicts) attempts: \(error)")
                    }
                    wait = conflictWait.nextDelay()
                case .unavailable:
                    wait = unavailableWait.nextDelay()
                }
                // Shutting down: the broker redelivers the commands; waiting here would only hold the shutdown up.
                if Task.isShuttingDownGracefully { return .interrupted }
                let message: Logger.Message =
                    failure == .conflict ? "transaction conflict, retrying" : "database unavailable, retrying"
                logger.warning(message, metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                try? await Task.sleep(for: wait)
            }
        }
    }
}
