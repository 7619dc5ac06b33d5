import Logging
import NIOConcurrencyHelpers
import NIOCore
import TableOrderConnections
import TableOrderCore

/// Publishes persistent messages with publisher confirms, on one connection on one event loop.
///
/// Many async callers share one confirm-mode channel: a call hops onto the loop once, its frames join
/// that tick's other writes (one `write` for a burst), and it is resumed from the loop when the broker's
/// `basic.ack` for its message arrives (or `basic.nack`, `basic.return` for an unroutable `mandatory`
/// message, its deadline, or the connection's loss). Nothing is queued while disconnected or while the
/// broker blocks publishers: such a publish fails at once, so the caller can retry or answer 503.
/// With several hosts, a lost connection moves on to the next one (`ConnectionSupervisor`).
public final class AMQPPublisher: Sendable {
    /// One message of `publishAll`.
    public struct Message: Sendable {
        public var exchange: String
        public var routingKey: String
        public var body: [UInt8]
        public var mandatory: Bool
        public var headers: [(String, String)]

        public init(
            exchange: String, routingKey: String, body: [UInt8], mandatory: Bool, headers: [(String, String)] = []
        ) {
            self.exchange = exchange
            self.routingKey = routingKey
            self.body = body
            self.mandatory = mandatory
            self.headers = headers
        }
    }

    public let eventLoop: any EventLoop
    private let supervisor: ConnectionSupervisor
    private let session: AMQPPublisherSession

    /// Starts connecting at once, to `url.endpoints` in turn.
    /// - Parameters:
    ///   - name: names the connection in logs and in the broker's connection list.
    ///   - declarations: declared on every (re)connect, before the first publish.
    ///   - heartbeat: proposed to the broker (which may lower it); `.zero` turns heartbeats off.
    public init(
        name: String = "amqp-publisher", url: AMQPURL, security: TransportSecurity = .plaintext,
        eventLoop: any EventLoop,
        declarations: [AMQPDeclaration] = [], heartbeat: Duration = .seconds(10), logger: Logger
    ) {
        self.eventLoop = eventLoop
        supervisor = ConnectionSupervisor(
            name: name, endpoints: url.endpoints, security: security, eventLoop: eventLoop, logger: logger)
        session = AMQPPublisherSession(
            configuration: .init(url: url, heartbeat: heartbeat, name: name), declarations: declarations,
            eventLoop: eventLoop,
            hooks: .supervisor(supervisor), logger: logger)
        supervisor.start(session)
    }

    /// Whether the publisher holds a ready connection now (for readiness checks).
    public var isConnected: Bool { supervisor.isReady }
    /// Why it does not, or what last went wrong.
    public var lastErrorDescription: String { supervisor.lastError }
    /// Waits until connected, up to `timeout`; returns whether it is. For start-up and tests: while not
    /// connected, publishes are refused at once.
    @discardableResult
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async -> Bool {
        await supervisor.waitUntilReady(timeout: timeout)
    }

    /// Whether the broker blocks publishers now (a memory or disk alarm).
    public var isBlocked: Bool { session.blockedReason.withLockedValue { $0 != nil } }

    /// Publishes one persistent message and returns once the broker has confirmed it.
    /// - Throws: `Failure` when it was not confirmed.
    public func publish(
        exchange: String, routingKey: String, body: [UInt8], mandatory: Bool, headers: [(String, String)] = [],
        timeout: Duration
    ) async throws {
        let deadline = eventLoop.now + TimeAmount(timeout)
        let session = self.session
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            onLoop {
                session.publish(
                    exchange: exchange, routingKey: routingKey, body: body, mandatory: mandatory, headers: headers,
                    deadline: deadline, caller: .single(continuation))
            }
        }
    }

    /// Publishes the messages in this order, their confirms awaited together; returns each outcome.
    public func publishAll(_ messages: [Message], timeout: Duration) async -> [Result<Void, any Error>] {
        let deadline = eventLoop.now + TimeAmount(timeout)
        let session = self.session
        return await withUnsafeContinuation { continuation in
            onLoop {
                let batch = AMQPPublishAllCompletion(count: messages.count, continuation: continuation)
                for (index, message) in messages.enumerated() {
                    session.publish(
                        exchange: message.exchange, routingKey: message.routingKey, body: message.body,
                        mandatory: message.mandatory, headers: message.headers, deadline: deadline,
                        caller: .batch(batch, index: index))
                }
            }
        }
    }

    /// Refuses new publishes, waits for the confirms in flight (each up to its deadline), then closes.
    public func shutdown() async {
        let session = self.session
        try? await eventLoop.flatSubmit { session.shutdown() }.get()
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }
}

extension AMQPConnectionStateMachine.Configuration {
    init(url: AMQPURL, heartbeat: Duration, name: String) {
        self.init(
            user: url.user, password: url.password, virtualHost: url.vhost,
            heartbeat: UInt16(clamping: heartbeat.components.seconds), connectionName: name)
    }
}
