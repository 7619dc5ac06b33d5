import Logging
import NIOConcurrencyHelpers
import TableOrderCore

/// `EventChannel` over Redis pub/sub: one `PSUBSCRIBE tableorder:events:*` per process.
///
/// Publishes go through the client; the subscription is a `RedisSubscriber` with the client's settings
/// (host or sentinels, credentials, TLS, event loops), so both follow the same primary.
public final class RedisEventChannel: EventChannel {
    private let client: RedisClient
    private let logger: Logger
    private let subscriber = NIOLockedValueBox<RedisSubscriber?>(nil)

    /// - Parameters:
    ///   - client: Publishes events; its settings make the subscription.
    ///   - logger: For the subscription.
    public init(client: RedisClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func publish(_ event: StoreEvent) async throws {
        let reply = try await client.send([
            Array("PUBLISH".utf8), Array(StoreEvent.channel(for: event.storeID).utf8), Array(event.data.utf8),
        ])
        if case .error(let message) = reply { throw RedisError(message) }
    }

    public func publish(_ events: [StoreEvent]) async throws {
        let replies = await client.sendAll(events.map { event in
            [Array("PUBLISH".utf8), Array(StoreEvent.channel(for: event.storeID).utf8), Array(event.data.utf8)]
        })
        for reply in replies {
            if case .error(let message) = try reply.get() { throw RedisError(message) }
        }
    }

    public func listen(
        onEvent: @escaping @Sendable (StoreEvent) -> Void, onResync: @escaping @Sendable () -> Void
    ) async throws {
        let handlers = RedisSubscriber.Handlers(
            onMessage: { channel, payload in
                guard channel.hasPrefix(StoreEvent.channelPrefix), let header = EventHeader.parse(payload) else {
                    return
                }
                let storeID = String(channel.dropFirst(StoreEvent.channelPrefix.count))
                guard header.storeID == storeID else { return }
                onEvent(StoreEvent(storeID: storeID, id: header.eventID, type: header.type, tableID: header.tableID, data: payload))
            },
            onSubscribed: onResync)
        var settings = client.settings
        settings.logger = logger
        let fresh = RedisSubscriber(settings: settings, pattern: StoreEvent.channelPrefix + "*", handlers: handlers)
        let previous = subscriber.withLockedValue { current in
            defer { current = fresh }
            return current
        }
        previous?.startShutdown()
    }

    public var problem: DependencyProblem? {
        if !client.isConnected { return DependencyProblem("redis", client.lastErrorDescription) }
        if let s = subscriber.withLockedValue({ $0 }), !s.isConnected { return DependencyProblem("redis", "subscription down") }
        return nil
    }

    /// Ends the subscription (without waiting for its connection to close; `EventChannel.shutdown` is
    /// synchronous). The client is the caller's to shut down.
    public func shutdown() {
        subscriber.withLockedValue { $0?.startShutdown() }
    }
}
