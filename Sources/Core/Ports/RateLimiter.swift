/// The outcome of counting one request against a sliding window.
public struct RateLimitDecision: Sendable, Equatable {
    public var allowed: Bool
    public var limit: Int
    /// What is left *after* this request (0 when refused).
    public var remaining: Int
    /// Whole seconds until a refused request could succeed (≥ 1), 0 when allowed.
    public var retryAfterSeconds: Int

    public init(allowed: Bool, limit: Int, remaining: Int, retryAfterSeconds: Int) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The sliding-window limiter of the original design, shared by every API process.
/// A refused request does not consume the window.
public protocol RateLimiter: Sendable {
    func consume(key: String, limit: Int, windowSeconds: Int) async throws -> RateLimitDecision
}
