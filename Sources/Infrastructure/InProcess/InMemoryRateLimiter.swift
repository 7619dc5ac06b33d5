import Foundation
import NIOConcurrencyHelpers
import TableOrderCore

/// `RateLimiter` for one process (development mode, tests): the same sliding window, in memory.
public final class InMemoryRateLimiter: RateLimiter {
    private let windows = NIOLockedValueBox<[String: [ContinuousClock.Instant]]>([:])
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameter now: the clock the windows slide by (tests step it instead of waiting).
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.now = now
    }

    public func consume(key: String, limit: Int, windowSeconds: Int) async throws -> RateLimitDecision {
        let now = self.now()
        let window = Duration.seconds(windowSeconds)
        return windows.withLockedValue { windows in
            var hits = windows[key, default: []].filter { now - $0 < window }
            defer { windows[key] = hits.isEmpty ? nil : hits }
            guard hits.count < limit else {
                let wait = window - (now - hits[0])
                let seconds = Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up))
                return RateLimitDecision(allowed: false, limit: limit, remaining: 0, retryAfterSeconds: max(1, seconds))
            }
            hits.append(now)
            return RateLimitDecision(allowed: true, limit: limit, remaining: limit - hits.count, retryAfterSeconds: 0)
        }
    }
}
