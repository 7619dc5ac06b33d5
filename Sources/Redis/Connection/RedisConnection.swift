import Logging
import NIOCore
import TableOrderConnections

/// One supervised Redis connection for commands: the session the supervisor runs on each channel it
/// opens, with `RedisConnectionStateMachine` deciding and this class doing (writes, completions, closes).
///
/// Everything but `send` and `shutdown` runs on the supervisor's event loop; those two hop there once
/// when called from elsewhere.
final class RedisConnection: ConnectionSession, RESPChannelDelegate, @unchecked Sendable {
    let supervisor: ConnectionSupervisor
    var eventLoop: any EventLoop { supervisor.eventLoop }
    private let name: String
    private let logger: Logger
    private let tickInterval: TimeAmount

    // Event loop only.
    private var machine: RedisConnectionStateMachine<RedisRequest>
    private var handler: RESPChannelHandler?
    private var ticks: RepeatedTask?

    /// - Parameters:
    ///   - replyTimeout: How long a command may wait with no reply at all arriving before the connection
    ///     is dropped (checked every half of it, so a stall is noticed after 1 to 1.5 times this).
    init(
        name: String, supervisor: ConnectionSupervisor, handshake: RedisHandshake, replyTimeout: Duration = .seconds(2),
        logger: Logger
    ) {
        self.name = name
        self.supervisor = supervisor
        self.logger = logger
        self.tickInterval = TimeAmount(replyTimeout / 2)
        self.machine = RedisConnectionStateMachine(handshake: handshake, stallLimit: 3)
    }

    /// Sends one command; `request` completes on the event loop.
    func send(_ command: [[UInt8]], _ request: RedisRequest) {
        if eventLoop.inEventLoop {
            run(machine.send(command, request))
        } else {
            eventLoop.execute { self.run(self.machine.send(command, request)) }
        }
    }

    /// Sends several commands in this order, in one hop.
    func send(_ commands: [[[UInt8]]], _ batch: RedisBatch) {
        if eventLoop.inEventLoop {
            for (index, command) in commands.enumerated() { run(machine.send(command, .batch(batch, index: index))) }
        } else {
            eventLoop.execute {
                for (index, command) in commands.enumerated() { self.run(self.machine.send(command, .batch(batch, index: index))) }
            }
        }
    }

    /// Fails what waits and what comes later, and closes the connection for good.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
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
        // Before the supervisor logs the loss, so its log line says why.
        supervisor.record("the server closed the connection")
    }

    // MARK: - Doing what the state machine says

    private func run(_ action: RedisConnectionStateMachine<RedisRequest>.Action) {
        switch action {
        case .none:
            break
        case .write(let command):
            handler?.write(command)
        case .writeHandshake(let commands):
            for command in commands { handler?.write(command) }
        case .sessionReady(let queued):
            supervisor.sessionReady()
            for command in queued { handler?.write(command) }
        case .succeed(let request, let reply):
            request.complete(.success(reply))
        case .succeedAndClose(let request, let reply, let reason):
            request.complete(.success(reply))
            close(reason, now: false)
        case .fail(let request, let failure):
            request.complete(.failure(error(failure)))
        case .failAll(let requests, let failure):
            let error = error(failure)
            for request in requests { request.complete(.failure(error)) }
        case .close(let reason):
            close(reason)
        }
    }

    /// - Parameters:
    ///   - now: False lets the replies of the current read answer their commands before the close.
    private func close(_ reason: String, now: Bool = true) {
        supervisor.record(reason)
        logger.warning("closing the redis connection", metadata: ["client": "\(name)", "reason": "\(reason)"])
        if now { handler?.close() } else { handler?.closeAfterPendingReads() }
    }

    private func error(_ failure: RedisConnectionStateMachine<RedisRequest>.Failure) -> RedisError {
        switch failure {
        case .unavailable: RedisError("redis unavailable: \(supervisor.lastError)")
        case .connectionLost(let reason): RedisError("redis connection lost: \(reason)")
        case .stopped: RedisError("redis client stopped")
        }
    }
}
