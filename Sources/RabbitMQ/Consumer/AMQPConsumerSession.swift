import Logging
import NIOCore
import TableOrderConnections

/// The consumer's side of its supervised connection: declarations, `basic.qos`, `basic.consume`, and
/// the consumer state machine between the frames and the application. Event loop only.
final class AMQPConsumerSession: ConnectionSession, AMQPConnectionDelegate, @unchecked Sendable {
    let eventLoop: any EventLoop
    private let configuration: AMQPConnectionStateMachine.Configuration
    private let hooks: AMQPSessionHooks
    private let logger: Logger
    private let continuation: AsyncStream<AMQPConsumer.Delivery>.Continuation

    private var machine: AMQPConsumerStateMachine
    private var connection: AMQPConnectionHandler?
    private var stopped: EventLoopFuture<Void>?

    init(
        configuration: AMQPConnectionStateMachine.Configuration, machine: AMQPConsumerStateMachine,
        eventLoop: any EventLoop,
        continuation: AsyncStream<AMQPConsumer.Delivery>.Continuation, hooks: AMQPSessionHooks, logger: Logger
    ) {
        self.configuration = configuration
        self.machine = machine
        self.eventLoop = eventLoop
        self.continuation = continuation
        self.hooks = hooks
        self.logger = logger
    }

    // MARK: - ConnectionSession

    func configure(_ channel: any Channel) throws {
        let limit = AMQPFrameLimit()
        let handler = AMQPConnectionHandler(
            configuration: configuration, setup: machine.setupMethods, limit: limit, delegate: self)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AMQPFrameDecoder(limit: limit)))
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    func connectionOpened(_ channel: any Channel) {}

    func connectionClosed() {}

    // MARK: - Application (event loop)

    func ack(through tag: UInt64, generation: Int) { run(machine.ack(through: tag, generation: generation)) }

    func reject(_ tag: UInt64, generation: Int) { run(machine.reject(tag, generation: generation)) }

    func stopDelivering() { run(machine.stopDelivering()) }

    /// Closes after the settlements already requested; completes when the connection is closed.
    func shutdown() -> EventLoopFuture<Void> {
        if let stopped { return stopped }
        run(machine.shutdown())
        return stopped ?? eventLoop.makeSucceededVoidFuture()
    }

    // MARK: - AMQPConnectionDelegate

    func connectionReady(_ connection: AMQPConnectionHandler) {
        guard machine.connectionReady() else {
            connection.close()
            return
        }
        self.connection = connection
        hooks.ready()
    }

    func connection(_ connection: AMQPConnectionHandler, received frame: AMQPFrame) {
        run(machine.received(frame))
    }

    func connection(_ connection: AMQPConnectionHandler, blocked reason: String?) {}

    func connectionClosed(_ connection: AMQPConnectionHandler, reason: String) {
        if self.connection === connection { self.connection = nil }
        hooks.record(reason)
        machine.connectionLost()
    }

    // MARK: - Actions

    private func run(_ action: AMQPConsumerStateMachine.Action) {
        switch action {
        case .none:
            break
        case .deliver(let delivery):
            continuation.yield(delivery)
        case .send(let method):
            connection?.send(method)
        case .finishDeliveries(let cancel):
            if let cancel { connection?.send(cancel) }
            continuation.finish()
        case .reconnect(let reason):
            logger.warning(
                "rabbitmq consumer reconnects", metadata: ["queue": "\(machine.queue)", "reason": "\(reason)"])
            connection?.abort(reason: reason)
        case .stop(let finishDeliveries):
            if finishDeliveries { continuation.finish() }
            stopped = hooks.stop()
        }
    }
}
