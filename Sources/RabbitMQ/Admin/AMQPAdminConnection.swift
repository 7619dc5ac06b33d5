import Logging
import NIOCore
import TableOrderConnections
import TableOrderCore

/// A small async connection for topology and inspection (tests, the benchmark): declare, bind, purge,
/// delete, `basic.get`. Calls are pipelined on one channel; made while (re)connecting, they wait for the
/// connection up to their timeout. A call the broker refuses fails with its words (the refusal closes
/// the channel; the connection reconnects by itself for the next call).
public final class AMQPAdminConnection: Sendable {
    public let eventLoop: any EventLoop
    private let supervisor: ConnectionSupervisor
    private let session: AMQPAdminSession

    public init(
        name: String = "amqp-admin", url: AMQPURL, security: TransportSecurity = .plaintext, eventLoop: any EventLoop,
        logger: Logger
    ) {
        self.eventLoop = eventLoop
        supervisor = ConnectionSupervisor(
            name: name, endpoints: url.endpoints, security: security, eventLoop: eventLoop, logger: logger)
        session = AMQPAdminSession(
            configuration: .init(url: url, heartbeat: .seconds(10), name: name), eventLoop: eventLoop,
            hooks: .supervisor(supervisor))
        supervisor.start(session)
    }

    public var isConnected: Bool { supervisor.isReady }
    public var lastErrorDescription: String { supervisor.lastError }

    /// Waits until connected, up to `timeout`; returns whether it is. For start-up and tests: while not
    /// connected, calls wait for the connection up to their own timeout.
    @discardableResult
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async -> Bool {
        await supervisor.waitUntilReady(timeout: timeout)
    }

    public func declare(_ declaration: AMQPDeclaration, timeout: Duration = .seconds(10)) async throws {
        _ = try await call(declaration.method, timeout: timeout)
    }

    public func declareTopicExchange(_ name: String) async throws {
        try await declare(.exchange(name, type: "topic"))
    }

    /// Declares a queue; returns how many messages it holds.
    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, arguments: AMQPTable = [:]) async throws -> UInt32 {
        let reply = try await call(
            .queueDeclare(queue: name, durable: durable, exclusive: false, autoDelete: false, arguments: arguments))
        guard case .method(.queueDeclareOK(_, let messages, _)) = reply else { return 0 }
        return messages
    }

    /// A non-durable classic queue, for probes and tests.
    public func declareTransientQueue(_ name: String) async throws {
        try await declareQueue(name, durable: false)
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String) async throws {
        try await declare(.binding(queue: queue, exchange: exchange, routingKey: routingKey))
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String) async throws -> UInt32 {
        guard
            case .method(.queueDeleteOK(let messages)) = try await call(
                .queueDelete(queue: name, ifUnused: false, ifEmpty: false))
        else { return 0 }
        return messages
    }

    /// Empties a queue; returns how many messages it held.
    @discardableResult
    public func purgeQueue(_ name: String) async throws -> UInt32 {
        guard case .method(.queuePurgeOK(let messages)) = try await call(.queuePurge(queue: name)) else { return 0 }
        return messages
    }

    /// Takes one message (acknowledged at once) if the queue has one; returns its body.
    public func basicGet(_ queue: String) async throws -> [UInt8]? {
        guard case .message(let body) = try await call(.basicGet(queue: queue, noAck: true)) else { return nil }
        return body
    }

    /// Closes the connection; calls not yet sent fail.
    public func close() async {
        let session = self.session
        try? await eventLoop.flatSubmit { session.shutdown() }.get()
    }

    private func call(_ method: AMQPMethod, timeout: Duration = .seconds(10)) async throws -> AMQPAdminReply {
        let deadline = eventLoop.now + TimeAmount(timeout)
        let session = self.session
        return try await withUnsafeThrowingContinuation { continuation in
            if eventLoop.inEventLoop {
                session.call(method, deadline: deadline, caller: continuation)
            } else {
                eventLoop.execute { session.call(method, deadline: deadline, caller: continuation) }
            }
        }
    }
}
