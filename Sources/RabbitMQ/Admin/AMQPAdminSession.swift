import Logging
import NIOCore
import TableOrderConnections

/// The admin connection's side of its supervised connection. Event loop only.
final class AMQPAdminSession: ConnectionSession, AMQPConnectionDelegate, @unchecked Sendable {
    typealias Caller = UnsafeContinuation<AMQPAdminReply, any Error>
    typealias Machine = AMQPAdminStateMachine<Caller>

    let eventLoop: any EventLoop
    private let configuration: AMQPConnectionStateMachine.Configuration
    private let hooks: AMQPSessionHooks
    private var machine = Machine()
    private var connection: AMQPConnectionHandler?
    private var timer: Scheduled<Void>?
    private var stopped: EventLoopFuture<Void>?

    init(configuration: AMQPConnectionStateMachine.Configuration, eventLoop: any EventLoop, hooks: AMQPSessionHooks) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.hooks = hooks
    }

    func configure(_ channel: any Channel) throws {
        let limit = AMQPFrameLimit()
        let handler = AMQPConnectionHandler(configuration: configuration, setup: [], limit: limit, delegate: self)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AMQPFrameDecoder(limit: limit)))
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    func connectionOpened(_ channel: any Channel) {}

    func connectionClosed() {}

    // MARK: - Calls (event loop)

    func call(_ request: AMQPMethod, deadline: NIODeadline, caller: Caller) {
        switch machine.call(request, caller: caller, deadline: deadline) {
        case .send(let method, let armTimer):
            connection?.send(method)
            if let armTimer { arm(armTimer) }
        case .wait(let armTimer):
            if let armTimer { arm(armTimer) }
        case .fail(let error):
            caller.resume(throwing: error)
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        if let stopped { return stopped }
        complete(machine.shutdown())
        timer?.cancel()
        let future = hooks.stop()
        stopped = future
        return future
    }

    // MARK: - AMQPConnectionDelegate

    func connectionReady(_ connection: AMQPConnectionHandler) {
        self.connection = connection
        hooks.ready()
        for method in machine.connectionReady() { connection.send(method) }
    }

    func connection(_ connection: AMQPConnectionHandler, received frame: AMQPFrame) {
        switch machine.received(frame) {
        case .success(let completion):
            if let completion { complete([completion]) }
        case .failure(let error):
            connection.abort(reason: error.description)
        }
    }

    func connection(_ connection: AMQPConnectionHandler, blocked reason: String?) {}

    func connectionClosed(_ connection: AMQPConnectionHandler, reason: String) {
        if self.connection === connection { self.connection = nil }
        hooks.record(reason)
        complete(machine.connectionLost(reason: reason))
    }

    // MARK: - Helpers

    private func complete(_ completions: [Machine.Completion]) {
        for completion in completions {
            completion.caller.resume(with: completion.result.mapError { $0 })
        }
    }

    private func arm(_ deadline: NIODeadline) {
        timer?.cancel()
        timer = eventLoop.scheduleTask(deadline: deadline) {
            self.timer = nil
            let (completions, next) = self.machine.timerFired(now: self.eventLoop.now)
            self.complete(completions)
            if let next { self.arm(next) }
        }
    }
}
