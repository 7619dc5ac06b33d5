import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import TableOrderCore

/// One pattern subscription per process, read by a thread of its own.
///
/// Pub/sub is only the wake-up of the event path: after every (re)subscribe `onSubscribed` fires, so
/// listeners can fill from the event log whatever was published while the subscription was down.
public final class RedisSubscriber: @unchecked Sendable {
    public struct Handlers: Sendable {
        public var onMessage: @Sendable (_ channel: String, _ payload: String) -> Void
        public var onSubscribed: @Sendable () -> Void

        public init(
            onMessage: @escaping @Sendable (String, String) -> Void, onSubscribed: @escaping @Sendable () -> Void
        ) {
            self.onMessage = onMessage
            self.onSubscribed = onSubscribed
        }
    }

    private let url: RedisURL
    private let pattern: String
    private let handlers: Handlers
    private let logger: Logger
    private let state = NIOLockedValueBox((stopping: false, connected: false))
    private let wakeup = Wakeup()
    /// 1 while subscribed, 0 while not: an SSE node at 0 relays nothing live (alert rule `SSENodeWithoutRedis`).
    private let subscribed = Gauge(label: "tableorder_pubsub_subscribed")

    public init(url: RedisURL, pattern: String, logger: Logger, handlers: Handlers) {
        self.url = url
        self.pattern = pattern
        self.logger = logger
        self.handlers = handlers
        subscribed.record(0)
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "redis-subscriber"
        thread.start()
    }

    public var isConnected: Bool { state.withLockedValue { $0.connected } }

    public func shutdown() {
        state.withLockedValue { $0.stopping = true }
        wakeup.signal()
    }

    private func runLoop() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        while !state.withLockedValue({ $0.stopping }) {
            do {
                let context = try HiredisContext(url: url)
                try context.append([Array("PSUBSCRIBE".utf8), Array(pattern.utf8)])
                try context.flush()
                backoff.reset()
                try readMessages(context)
            } catch {
                if state.withLockedValue({ $0.connected }) {
                    logger.warning("redis subscription lost", metadata: ["error": "\(error)"])
                }
                state.withLockedValue { $0.connected = false }
                subscribed.record(0)
                wakeup.wait(socket: nil, timeoutMs: Int32(clamping: backoff.nextDelay().milliseconds))
            }
        }
        state.withLockedValue { $0.connected = false }
    }

    private func readMessages(_ context: HiredisContext) throws {
        while !state.withLockedValue({ $0.stopping }) {
            while let reply = try context.bufferedReply() {
                handle(reply)
            }
            if wakeup.wait(socket: context.fd, timeoutMs: 1000) {
                try context.readSocket()
            }
        }
    }

    private func handle(_ reply: RESPValue) {
        guard case .array(let parts) = reply, let kind = parts.first?.string else { return }
        switch kind {
        case "pmessage" where parts.count == 4:
            guard let channel = parts[2].string, let payload = parts[3].string else { return }
            handlers.onMessage(channel, payload)
        case "psubscribe":
            state.withLockedValue { $0.connected = true }
            subscribed.record(1)
            logger.info("redis subscribed", metadata: ["pattern": "\(pattern)"])
            handlers.onSubscribed()
        default:
            return
        }
    }
}
