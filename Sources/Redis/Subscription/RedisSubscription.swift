import Logging
import Metrics
import NIOCore
import TableOrderConnections

/// The session behind `RedisSubscriber`: `RedisSubscriptionStateMachine` decides, this class does.
/// Everything runs on the supervisor's event loop.
final class RedisSubscription: ConnectionSession, RESPChannelDelegate, @unchecked Sendable {
    let supervisor: ConnectionSupervisor
    private let handlers: RedisSubscriber.Handlers
    private let logger: Logger
    private let tickInterval: TimeAmount
    /// 1 while subscribed, 0 while not: an SSE node at 0 relays nothing live (alert rule `SSENodeWithoutRedis`).
    private let subscribedGauge = Gauge(label: "tableorder_pubsub_subscribed")

    // Event loop only.
    private var machine: RedisSubscriptionStateMachine
    private var handler: RESPChannelHandler?
    private var ticks: RepeatedTask?

    /// - Parameters:
    ///   - healthCheckInterval: How often an idle subscription sends `PING`; one unanswered until the
    ///     next drops the connection.
    init(
        supervisor: ConnectionSupervisor, pattern: String, handshake: RedisHandshake, handlers: RedisSubscriber.Handlers,
        healthCheckInterval: Duration = .seconds(5), logger: Logger
    ) {
        self.supervisor = supervisor
        self.handlers = handlers
        self.logger = logger
        self.tickInterval = TimeAmount(healthCheckInterval)
        self.machine = RedisSubscriptionStateMachine(pattern: pattern, handshake: handshake)
        subscribedGauge.record(0)
    }

    func shutdown() -> EventLoopFuture<Void> {
        supervisor.eventLoop.flatSubmit {
            self.run(self.machine.shutdown())
            return self.supervisor.shutdown()
        }
    }

    // MARK: - ConnectionSession

    func configure(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(RESPReplyDecoder()), RESPChannelHandler(delegate: self))
    }

    func connectionOpened(_ channel: any Channel) {
        guard let handler = try? channel.pipeline.syncOperations.handler(type: RESPChannelHandler.self) else {
            channel.close(promise: nil)  // not configured by us: nothing could be read from it
            return
        }
        self.handler = handler
        ticks = channel.eventLoop.scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { _ in
            self.run(self.machine.tick())
        }
        run(machine.connectionOpened())
    }

    func connectionClosed() {
        ticks?.cancel()
        ticks = nil
        handler = nil
        run(machine.connectionClosed())
    }

    // MARK: - RESPChannelDelegate

    func received(_ reply: RESPValue, on handler: RESPChannelHandler) {
        guard handler === self.handler else { return }
        run(machine.replyReceived(reply))
    }

    func failed(_ error: any Error, on handler: RESPChannelHandler) {
        guard handler === self.handler else { return }
        run(machine.failed("\(error)"))
    }

    func closed(_ handler: RESPChannelHandler) {
        guard handler === self.handler, machine.isInUse else { return }
        supervisor.record("the server closed the connection")
    }

    // MARK: - Doing what the state machine says

    private func run(_ action: RedisSubscriptionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .write(let commands):
            for command in commands { handler?.write(command) }
        case .subscribed:
            supervisor.sessionReady()
            subscribedGauge.record(1)
            logger.info("redis subscribed", metadata: ["pattern": "\(machine.pattern)"])
            handlers.onSubscribed()
        case .deliver(let channel, let payload):
            handlers.onMessage(channel, payload)
        case .close(let reason):
            supervisor.record(reason)
            logger.warning("closing the redis subscription's connection", metadata: ["reason": "\(reason)"])
            handler?.close()
        case .unsubscribed(let lost):
            subscribedGauge.record(0)
            if lost {
                logger.warning("redis subscription lost", metadata: ["pattern": "\(machine.pattern)", "error": "\(supervisor.lastError)"])
            } else {
                logger.info("redis subscription ended", metadata: ["pattern": "\(machine.pattern)"])
            }
        }
    }
}
