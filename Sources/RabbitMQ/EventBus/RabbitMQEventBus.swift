import Logging
import NIOCore
import NIOPosix
import TableOrderConnections
import TableOrderCore

/// The production `EventBus`: commands to a durable quorum queue with publisher confirms and
/// `mandatory` (an unroutable command is an error, never a silent loss), events to a durable topic exchange.
///
/// One publisher connection per event loop of the group: a publish goes to the publisher of the loop it
/// runs on (async code runs on the event loops, see `EventLoopExecutor`), so it neither hops to another
/// thread nor resumes on one; from elsewhere, or when that publisher is not connected, it goes to
/// another. Each `consumeCommands` opens a consumer connection. Every connection declares the topology
/// on every (re)connect, so whichever process connects first creates it, and a cluster node that lost it
/// gets it back. With several hosts in the URL, each connection moves on to the next host when its own
/// is lost.
public final class RabbitMQEventBus: EventBus {
    private let url: AMQPURL
    private let security: TransportSecurity
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let publishers: [AMQPPublisher]

    /// - Parameters:
    ///   - security: plaintext, or TLS (`amqps://`) with the trusted roots.
    ///   - eventLoopGroup: one publisher connection per loop; consumers take the next loop.
    public init(
        url: AMQPURL, security: TransportSecurity = .plaintext,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.url = url
        self.security = security
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let loops = Array(eventLoopGroup.makeIterator())
        self.publishers = loops.enumerated().map { index, loop in
            AMQPPublisher(
                name: "tableorder-publisher-\(index)", url: url, security: security, eventLoop: loop,
                declarations: Self.topology, logger: logger)
        }
    }

    /// The publisher of the current event loop if it is connected, else a connected one, else any (which
    /// then refuses the publish with the reason).
    private var publisher: AMQPPublisher {
        let local = publishers.first { $0.eventLoop.inEventLoop }
        if let local, local.isConnected { return local }
        return publishers.first { $0.isConnected } ?? local ?? publishers[0]
    }

    /// The exchange and queues, declared idempotently: the events exchange; the dead-letter queue; the
    /// command queue, a quorum queue (replicated across a cluster's nodes) that dead-letters a command
    /// after `commandDeliveryLimit` deliveries.
    public static let topology: [AMQPDeclaration] = [
        .exchange(Topology.eventsExchange, type: "topic"),
        .queue(Topology.deadLetterQueue, arguments: ["x-queue-type": .string("quorum")]),
        .queue(
            Topology.commandQueue,
            arguments: [
                "x-queue-type": .string("quorum"),
                "x-delivery-limit": .int(Topology.commandDeliveryLimit),
                "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string(Topology.deadLetterQueue),
            ]),
    ]

    public func sendCommand(_ body: [UInt8], headers: [(String, String)], timeout: Duration) async throws {
        try await publisher.publish(
            exchange: "", routingKey: Topology.commandQueue, body: body, mandatory: true, headers: headers,
            timeout: timeout)
    }

    public func publishEvent(_ event: StoreEvent) async throws {
        try await publisher.publish(
            exchange: Topology.eventsExchange, routingKey: event.routingKey, body: Array(event.data.utf8),
            mandatory: false,
            timeout: .seconds(3))
    }

    public func publishEvents(_ events: [StoreEvent]) async throws {
        let outcomes = await publisher.publishAll(
            events.map {
                AMQPPublisher.Message(
                    exchange: Topology.eventsExchange, routingKey: $0.routingKey, body: Array($0.data.utf8),
                    mandatory: false)
            }, timeout: .seconds(3))
        for outcome in outcomes { try outcome.get() }
    }

    public func consumeCommands(prefetch: Int) -> any CommandSubscription {
        RabbitMQSubscription(
            consumer: AMQPConsumer(
                name: "tableorder-consumer", url: url, security: security, eventLoop: eventLoopGroup.next(),
                queue: Topology.commandQueue, prefetch: UInt16(clamping: prefetch), declarations: Self.topology,
                logger: logger))
    }

    /// Not connected at all: `/readyz` says why. One publisher down while another is up is not a
    /// problem (publishes go to the one that works while the other reconnects), nor is a broker that
    /// blocks publishers: it is there, and its publishes are refused at once until the alarm clears.
    public var problem: DependencyProblem? {
        guard !publishers.contains(where: \.isConnected) else { return nil }
        return DependencyProblem("rabbitmq", publishers[0].lastErrorDescription)
    }

    /// Waits until a publisher is connected, up to `timeout`; returns whether one is. For start-up and
    /// tests: while none is, commands are refused at once.
    @discardableResult
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !publishers.contains(where: \.isConnected) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    public func shutdown() async {
        await withTaskGroup(of: Void.self) { group in
            for publisher in publishers { group.addTask { await publisher.shutdown() } }
        }
    }
}
