import Logging
import NIOCore
import NIOPosix
import TableOrderConnections
import TableOrderCore

/// One pattern subscription (`PSUBSCRIBE`) kept up on an event loop, across reconnects and, behind
/// Sentinel, failovers.
///
/// Pub/sub is only the wake-up of the event path: after every (re)subscribe `onSubscribed` fires, so
/// listeners can fill from the event log whatever was published while the subscription was down.
/// Both handlers are called on the subscription's event loop and should return quickly.
public final class RedisSubscriber: Sendable {
    public struct Handlers: Sendable {
        public var onMessage: @Sendable (_ channel: String, _ payload: String) -> Void
        public var onSubscribed: @Sendable () -> Void

        /// - Parameters:
        ///   - onMessage: A message published on a channel matching the pattern.
        ///   - onSubscribed: The subscription is active, after the first subscribe and every resubscribe.
        public init(
            onMessage: @escaping @Sendable (String, String) -> Void, onSubscribed: @escaping @Sendable () -> Void
        ) {
            self.onMessage = onMessage
            self.onSubscribed = onSubscribed
        }
    }

    private let subscription: RedisSubscription

    /// Starts connecting at once.
    /// - Parameters:
    ///   - url: Credentials, database, and (without `sentinels`) the host.
    ///   - sentinels: Find the primary through these sentinels, and follow its failovers.
    ///   - security: `.tls(…)` for `rediss://`, else `.plaintext`.
    ///   - eventLoopGroup: The subscription runs on one of its loops.
    ///   - pattern: The channels to receive, as a `PSUBSCRIBE` pattern.
    ///   - logger: For subscribes and losses.
    ///   - handlers: What to do with messages and (re)subscribes.
    public convenience init(
        url: RedisURL, sentinels: RedisSentinels? = nil, security: TransportSecurity,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, pattern: String, logger: Logger,
        handlers: Handlers
    ) {
        let settings = RedisConnectionSettings(
            url: url, sentinels: sentinels, security: security, eventLoopGroup: eventLoopGroup, logger: logger)
        self.init(settings: settings, pattern: pattern, handlers: handlers)
    }

    init(settings: RedisConnectionSettings, pattern: String, handlers: Handlers) {
        let supervisor = settings.makeSupervisor(name: "redis-subscriber", on: settings.eventLoopGroup.next())
        subscription = RedisSubscription(
            supervisor: supervisor, pattern: pattern, handshake: settings.handshake, handlers: handlers,
            logger: settings.logger)
        supervisor.start(subscription)
    }

    /// Whether the subscription is active.
    public var isConnected: Bool { subscription.supervisor.isReady }

    /// Why it is not (the connection's last error).
    public var lastErrorDescription: String { subscription.supervisor.lastError }

    /// Ends the subscription and closes its connection.
    public func shutdown() async {
        try? await subscription.shutdown().get()
    }

    /// Starts `shutdown()` without waiting for the connection to close.
    func startShutdown() {
        _ = subscription.shutdown()
    }
}
