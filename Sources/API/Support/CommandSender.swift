import Foundation
import Logging
import Metrics
import TableOrderCore

/// Hands a write command to the bus within the contract's budget (3 attempts, exponential backoff,
/// ≤ 3 s in all). Returns only once the broker confirmed it; otherwise throws 503 with `Retry-After`.
struct CommandSender: Sendable {
    let bus: any EventBus
    let policy: PublishRetryPolicy
    let logger: Logger
    /// Confirmed by the broker; against the workers' acked count it shows a backlog building up.
    private let published = Counter(label: "tableorder_commands_published_total")
    private let retries = Counter(label: "tableorder_publish_retries_total")
    private let failures = Counter(label: "tableorder_publish_failures_total")

    init(bus: any EventBus, policy: PublishRetryPolicy = .init(), logger: Logger) {
        self.bus = bus
        self.policy = policy
        self.logger = logger
    }

    /// - Parameter id: the envelope's id; derive it from an `Idempotency-Key` so a retried request is
    ///   applied once. A fresh one otherwise.
    func send(_ command: Command, id: String = UUID().lowercased) async throws {
        let body = try CommandEnvelope(id: id, traceparent: TraceContext.current?.header, command: command).wireBytes()
        var attempt = 0
        do {
            try await policy.run { timeout in
                attempt += 1
                if attempt > 1 { retries.increment() }
                try await bus.sendCommand(body, headers: [], timeout: timeout)
            }
            published.increment()
        } catch {
            failures.increment()
            logger.warning(
                "command not confirmed by the broker",
                metadata: ["error": "\(error)", "trace_id": "\(TraceContext.current?.traceID ?? "-")"])
            throw ServiceError.unavailable("the order service is temporarily unavailable; retry shortly", retryAfter: 2)
        }
    }
}
