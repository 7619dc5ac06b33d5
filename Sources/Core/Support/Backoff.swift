/// Exponential backoff with a cap, for reconnect loops and retried work.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private var next: Duration

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.next = initial
    }

    public mutating func nextDelay() -> Duration {
        let delay = next
        next = min(next * 2, maximum)
        return delay
    }

    public mutating func reset() { next = initial }
}

/// How a request spends its publish budget: the contract's 3 attempts with exponential backoff,
/// all inside 3 seconds, so a client never waits longer than that for its 202 or 503.
public struct PublishRetryPolicy: Sendable {
    public var attempts: Int
    public var budget: Duration
    public var firstBackoff: Duration

    public init(attempts: Int = 3, budget: Duration = .seconds(3), firstBackoff: Duration = .milliseconds(100)) {
        self.attempts = attempts
        self.budget = budget
        self.firstBackoff = firstBackoff
    }

    /// Runs `attempt` with a per-attempt timeout until it succeeds, the attempts are used up or the budget is spent.
    /// Each attempt gets an equal share of what is left, so a hung broker cannot eat the whole budget in one try.
    public func run<T: Sendable>(
        clock: ContinuousClock = .init(), _ attempt: (_ timeout: Duration) async throws -> T
    ) async throws -> T {
        let deadline = clock.now + budget
        var backoff = firstBackoff
        var lastError: any Error = ServiceError.unavailable("message broker unavailable")
        for index in 0..<attempts {
            let remaining = clock.now.duration(to: deadline)
            // A late wake-up from the backoff sleep (a busy machine) must not start an attempt past the budget.
            if index > 0, remaining <= .zero { break }
            let attemptsLeft = attempts - index
            let reservedForBackoff = backoff * (attemptsLeft - 1)
            let timeout = max((remaining - reservedForBackoff) / attemptsLeft, .milliseconds(1))
            do {
                return try await attempt(timeout)
            } catch {
                lastError = error
            }
            if index == attempts - 1 { break }
            let afterSleep = clock.now + backoff
            guard afterSleep < deadline else { break }
            try? await Task.sleep(for: backoff)
            backoff *= 2
        }
        throw lastError
    }
}

extension Duration {
    /// Whole milliseconds (for `poll()` timeouts and logs).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
