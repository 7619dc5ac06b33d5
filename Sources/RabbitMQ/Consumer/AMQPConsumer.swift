import Logging
import NIOCore
import TableOrderConnections
import TableOrderCore

/// Consumes one queue with manual acks, on one connection on one event loop.
///
/// Deliveries flow to async code through `deliveries`; settlements flow back through `ack(through:)`
/// and `reject`, each one hop onto the loop and written with that tick's other frames. A lost connection
/// starts a new *generation* (see `AMQPConsumerStateMachine`): the supervisor reconnects, to the next
/// host if there are several, and consuming resumes.
public final class AMQPConsumer: Sendable {
    public let deliveries: AsyncStream<Delivery>
    public let eventLoop: any EventLoop
    private let supervisor: ConnectionSupervisor
    private let session: AMQPConsumerSession

    /// Starts connecting at once, to `url.endpoints` in turn.
    /// - Parameters:
    ///   - queue: consumed with manual acks, at most `prefetch` unsettled deliveries at a time.
    ///   - declarations: declared on every (re)connect, before consuming (the queue itself, typically).
    ///   - heartbeat: proposed to the broker (which may lower it); `.zero` turns heartbeats off.
    public init(
        name: String = "amqp-consumer", url: AMQPURL, security: TransportSecurity = .plaintext,
        eventLoop: any EventLoop,
        queue: String, prefetch: UInt16, declarations: [AMQPDeclaration] = [], heartbeat: Duration = .seconds(10),
        logger: Logger
    ) {
        self.eventLoop = eventLoop
        let (deliveries, continuation) = AsyncStream.makeStream(of: Delivery.self)
        self.deliveries = deliveries
        supervisor = ConnectionSupervisor(
            name: name, endpoints: url.endpoints, security: security, eventLoop: eventLoop, logger: logger)
        let machine = AMQPConsumerStateMachine(
            queue: queue, consumerTag: "\(name)-\(UInt32.random(in: 0...UInt32.max))", prefetch: prefetch,
            declarations: declarations.map(\.method))
        session = AMQPConsumerSession(
            configuration: .init(url: url, heartbeat: heartbeat, name: name), machine: machine, eventLoop: eventLoop,
            continuation: continuation, hooks: .supervisor(supervisor), logger: logger)
        supervisor.start(session)
    }

    /// Whether the consumer holds a ready connection now.
    public var isConnected: Bool { supervisor.isReady }
    /// Why it does not, or what last went wrong.
    public var lastErrorDescription: String { supervisor.lastError }

    /// Waits until connected, up to `timeout`; returns whether it is. For start-up and tests: while not
    /// connected, nothing is delivered.
    @discardableResult
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async -> Bool {
        await supervisor.waitUntilReady(timeout: timeout)
    }

    /// Acknowledges every delivery of `generation` up to and including `tag` (`multiple`).
    public func ack(through tag: UInt64, generation: Int) {
        let session = self.session
        onLoop { session.ack(through: tag, generation: generation) }
    }

    /// Refuses one delivery without requeueing it: the queue's dead-letter policy takes it.
    public func reject(_ tag: UInt64, generation: Int) {
        let session = self.session
        onLoop { session.reject(tag, generation: generation) }
    }

    /// Stops handing out deliveries (`basic.cancel`); `deliveries` ends after those already handed out.
    /// Unsettled ones return to the queue when the connection closes.
    public func stopDelivering() {
        let session = self.session
        onLoop { session.stopDelivering() }
    }

    /// Sends the settlements already requested, then closes the connection for good.
    public func shutdown() async {
        let session = self.session
        try? await eventLoop.flatSubmit { session.shutdown() }.get()
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }
}
