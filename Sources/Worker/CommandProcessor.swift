import Foundation
import Logging
import Metrics
import TableOrderCore

/// The worker's loop: take a batch of commands, apply them in one transaction, then (after the commit)
/// invalidate caches, publish the events, and only then acknowledge.
///
/// - Every queued command takes effect exactly once: at least once because acks follow commits, at most
///   once because `CommandHandler` is idempotent.
/// - A failing batch is tried again as its failure allows (`RetryPolicy`): for as long as the database
///   is unavailable, a few times after a lost race. Any other failure, including one nobody classified,
///   splits the batch into single commands: the one that cannot apply is dead-lettered at once, the
///   others apply, and no command holds its queue up.
public struct CommandProcessor: Sendable {
    public let database: any WriteDatabase
    public let cache: CacheManager?
    public let channel: any EventChannel
    public let bus: any EventBus
    public let logger: Logger
    public var batchSize: Int
    public var retry: RetryPolicy
    let handler = CommandHandler()

    private let consumed = Counter(label: "tableorder_worker_commands_consumed_total")
    private let acked = Counter(label: "tableorder_worker_commands_acked_total")
    private let redelivered = Counter(label: "tableorder_worker_commands_redelivered_total")
    private let deadLettered = Counter(label: "tableorder_worker_commands_dead_lettered_total")
    private let latency = Timer(label: "tableorder_worker_batch_seconds")

    public init(
        database: any WriteDatabase, cache: CacheManager?, channel: any EventChannel, bus: any EventBus,
        logger: Logger, batchSize: Int = 100, retry: RetryPolicy = RetryPolicy()
    ) {
        self.database = database
        self.cache = cache
        self.channel = channel
        self.bus = bus
        self.logger = logger
        self.batchSize = batchSize
        self.retry = retry
    }

    /// Consumes until the subscription ends (shutdown); the batch in hand is finished and acked first.
    public func run(_ subscription: any CommandSubscription) async {
        let collector = BatchCollector()
        let feeder = Task {
            for await command in subscription.commands { collector.append(command) }
            collector.finish()
        }
        defer { feeder.cancel() }
        while true {
            let batch = await collector.next(maximum: batchSize)
            if batch.isEmpty { break }
            await process(batch, subscription)
        }
    }

    func process(_ batch: [InboundCommand], _ subscription: any CommandSubscription) async {
        let start = ContinuousClock.now
        consumed.increment(by: batch.count)
        redelivered.increment(by: batch.filter(\.redelivered).count)
        var decoded: [(InboundCommand, CommandEnvelope)] = []
        for inbound in batch {
            do {
                decoded.append((inbound, try JSON.decode(CommandEnvelope.self, from: inbound.body)))
            } catch {
                deadLetter(inbound, subscription, reason: "malformed command: \(error)")
            }
        }
        // Shutdown interrupted the retries: acknowledge nothing, the broker redelivers the batch.
        if !decoded.isEmpty, await !applyOrDeadLetter(decoded, subscription) { return }
        if let last = batch.last {
            subscription.acknowledge(through: last)
            acked.increment(by: batch.count)
        }
        latency.recordNanoseconds(Int64(start.duration(to: .now).milliseconds) * 1_000_000)
    }

    /// Applies the commands together or, if they cannot apply together, one at a time, so that only the
    /// one that cannot apply is dead-lettered. `false` if shutdown interrupted the retries.
    private func applyOrDeadLetter(
        _ decoded: [(InboundCommand, CommandEnvelope)], _ subscription: any CommandSubscription
    ) async -> Bool {
        let envelopes = decoded.map(\.1)
        switch await apply(envelopes) {
        case .applied(let applied):
            logApplied(envelopes)
            await publish(applied, invalidating: envelopes)
        case .interrupted:
            return false
        case .failed(let reason):
            guard decoded.count > 1 else {
                deadLetter(decoded[0].0, subscription, reason: reason, envelope: decoded[0].1)
                return true
            }
            for command in decoded {
                guard await applyOrDeadLetter([command], subscription) else { return false }
            }
        }
        return true
    }

    private func deadLetter(
        _ inbound: InboundCommand, _ subscription: any CommandSubscription, reason: String, envelope: CommandEnvelope? = nil
    ) {
        var metadata: Logger.Metadata = ["reason": "\(reason)"]
        if let envelope { metadata.merge(Self.metadata(of: envelope)) { _, new in new } }
        logger.error("command dead-lettered", metadata: metadata)
        deadLettered.increment()
        subscription.deadLetter(inbound)
    }

    /// One line per applied command, carrying the trace id of the request that sent it (see
    /// `TraceContext`): grep a 202's `X-Request-ID` and both the API's and the worker's lines come up.
    private func logApplied(_ envelopes: [CommandEnvelope]) {
        guard logger.logLevel <= .info else { return }
        for envelope in envelopes { logger.info("command applied", metadata: Self.metadata(of: envelope)) }
    }

    static func metadata(of envelope: CommandEnvelope) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "command_id": .string(envelope.id),
            "command_type": .string(envelope.command.typeName),
            "store_id": .string(envelope.command.storeID),
        ]
        if let trace = envelope.traceparent.flatMap(TraceContext.init(header:)) {
            metadata["trace_id"] = .string(trace.traceID)
            metadata["parent_span_id"] = .string(trace.spanID)
        }
        return metadata
    }

    /// After commit: drop the stores' stale cached reads, then wake the SSE nodes and tell other consumers.
    private func publish(_ applied: CommandHandler.Applied, invalidating commands: [CommandEnvelope]) async {
        let events = applied.events
        if let cache {
            var stale: [String: Set<CacheScope>] = [:]
            for envelope in commands { stale[envelope.command.storeID, default: []].formUnion(envelope.staleScopes) }
            for storeID in applied.staleMenus { stale[storeID, default: []].insert(.menus) }
            for (storeID, scopes) in stale {
                await cache.invalidate(storeID: storeID, scopes: scopes.sorted { $0.rawValue < $1.rawValue })
            }
        }
        guard !events.isEmpty else { return }
        // Both go out as whole batches, in log order: one pipeline to Redis, one run of confirms.
        async let sse: Void = {
            do {
                try await channel.publish(events)
            } catch {
                logger.warning("events not sent on pub/sub; SSE nodes catch up from the log", metadata: ["error": "\(error)"])
            }
        }()
        do {
            try await bus.publishEvents(events)
        } catch {
            logger.warning("events not published on the topic exchange", metadata: ["error": "\(error)"])
        }
        await sse
    }
}
