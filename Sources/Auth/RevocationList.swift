import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import ServiceLifecycle
import TableOrderCore

/// The revoked tokens, as this API pod knows them: every authenticated request's claims are checked
/// against it in memory, so no request reads the database for it.
///
/// It follows the revocation log that the workers append to (logouts, password changes and resets):
/// at start it loads the unexpired rows, then every `pollInterval` it asks for the rows after the last
/// one it has. The log's `seq` is gap-free in commit order, so "after the last one" never misses a row,
/// and every pod refuses a revoked token within about one interval of its commit. Until the first load
/// has succeeded nothing can be checked, and `check` answers 503. When later polls fail (the database
/// is away), what was loaded keeps being enforced: no revocation can commit without that database.
public final class RevocationList: Service, Sendable {
    private struct Known {
        var loaded = false
        var state = RevocationState()
        var lastCleanup = Date.distantPast
    }

    private let reads: any RevocationReads
    private let known = NIOLockedValueBox(Known())
    let pollInterval: Duration
    let pageSize: Int
    let logger: Logger
    private let failures = Counter(label: "tableorder_revocation_poll_failures_total")

    public init(reads: any RevocationReads, pollInterval: Duration = .seconds(1), pageSize: Int = 1_000, logger: Logger) {
        self.reads = reads
        self.pollInterval = pollInterval
        self.pageSize = pageSize
        self.logger = logger
    }

    /// Throws 401 if the token was revoked, 503 while the list has not been loaded yet.
    public func check(_ claims: AccessClaims, now: Date = Date()) throws {
        let verdict: Bool? = known.withLockedValue { known in
            known.loaded ? known.state.isRevoked(claims, now: now) : nil
        }
        switch verdict {
        case nil: throw ServiceError.unavailable("token revocations are not loaded yet", retryAfter: 1)
        case true?: throw ServiceError.unauthorized("token revoked")
        case false?: return
        }
    }

    public var isLoaded: Bool { known.withLockedValue { $0.loaded } }

    /// The pod that accepted a logout refuses the token at once, before its row comes back from the log.
    public func revoke(tokenID: String, userID: String, until: Date) {
        known.withLockedValue { known in
            known.state.record(
                Revocation(seq: 0, userID: userID, tokenID: tokenID, minimumCredentialVersion: nil, expiresAt: until))
        }
    }

    /// Loads the log (first call) or applies its rows since the last one seen.
    public func refresh(now: Date = Date()) async throws {
        if !isLoaded {
            let snapshot = try await reads.revocationsSnapshot(now: now)
            let state = RevocationState(snapshot: snapshot.revocations, through: snapshot.lastSeq)
            known.withLockedValue { known in
                known.state = state
                known.loaded = true
            }
            logger.info(
                "token revocations loaded", metadata: ["entries": "\(state.count)", "last_seq": "\(state.lastSeq)"])
            return
        }
        while true {
            let after = known.withLockedValue { $0.state.lastSeq }
            let rows = try await reads.revocations(after: after, limit: pageSize)
            known.withLockedValue { known in
                known.state.apply(rows)
                if now.timeIntervalSince(known.lastCleanup) >= 60 {
                    known.state.dropExpired(now: now)
                    known.lastCleanup = now
                }
            }
            if rows.count < pageSize { return }
        }
    }

    /// Waits until the first load has succeeded, or `timeout` has passed; returns whether it has.
    public func waitUntilLoaded(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isLoaded, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return isLoaded
    }

    public func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await refresh()
                if failing { logger.info("token revocations followed again") }
                failing = false
            } catch {
                failures.increment()
                if !failing {
                    logger.warning(
                        isLoaded
                            ? "token revocations not refreshed; enforcing the ones known"
                            : "token revocations not loaded; authenticated requests get 503",
                        metadata: ["error": "\(error)"])
                }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
        }
    }
}
