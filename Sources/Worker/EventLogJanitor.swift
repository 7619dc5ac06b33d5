import Foundation
import Logging
import ServiceLifecycle
import TableOrderCore

/// Keeps the event log and the applied-command ids to their retention, and drops revocations whose
/// tokens have all expired (hourly). Every worker runs it (development mode: the API process); deletes
/// from several at once are harmless.
public struct EventLogJanitor: Service {
    let database: any WriteDatabase
    let retention: Duration
    let logger: Logger

    public init(database: any WriteDatabase, retentionHours: Int, logger: Logger) {
        self.database = database
        self.retention = .seconds(retentionHours * 3600)
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let cutoff = Date() - TimeInterval(retention.components.seconds)
                let removed = try await database.prune(olderThan: cutoff)
                if removed > 0 { logger.info("event log pruned", metadata: ["rows": "\(removed)"]) }
            } catch {
                logger.warning("event log pruning failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
