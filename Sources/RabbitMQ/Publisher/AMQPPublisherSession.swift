import Logging
import NIOConcurrencyHelpers
import NIOCore
import TableOrderConnections

/// The publisher's side of its supervised connection: confirm mode, the declarations, and the
/// publisher state machine between the callers and the frames. Event loop only, but for `blockedReason`.
final class AMQPPublisherSession: ConnectionSession, AMQPConnectionDelegate, @unchecked Sendable {
    /// Who waits for a confirm: one `publish`, or one message of a `publishAll`.
    enum Caller {
        case single(UnsafeContinuation<Void, any Error>)
        case batch(AMQPPublishAllCompletion, index: Int)

        func resume(_ result: Result<Void, AMQPPublisher.Failure>) {
            switch self {
            case .single(let continuation): continuation.resume(with: result.mapError { $0 })
            case .batch(let batch, let index): batch.complete(index, result.mapError { $0 })
            }
        }
    }

    let eventLoop: any EventLoop
    private let configuration: AMQPConnectionStateMachine.Configuration
    private let setup: [AMQPMethod]
    private let hooks: AMQPSessionHooks
    private let logger: Logger
    /// Read from any thread (`AMQPPublisher.isBlocked`).
    let blockedReason = NIOLockedValueBox<String?>(nil)

    private var machine = AMQPPublisherStateMachine<Caller>()
    private var connection: AMQPConnectionHandler?
    private var returns = AMQPContentAssembler(keepsBody: false)
    private var timer: Scheduled<Void>?
    private var stopped: EventLoopPromise<Void>?

    init(
        configuration: AMQPConnectionStateMachine.Configuration, declarations: [AMQPDeclaration],
        eventLoop: any EventLoop,
        hooks: AMQPSessionHooks, logger: Logger
    ) {
        self.configuration = configuration
        self.setup = [.confirmSelect] + declarations.map(\.method)
        self.eventLoop = eventLoop
        self.hooks = hooks
        self.logger = logger
    }

    // MARK: - ConnectionSession

    func configure(_ channel: any Channel) throws {
        let limit = AMQPFrameLimit()
        let handler = AMQPConnectionHandler(configuration: configuration, setup: setup, limit: limit, delegate: self)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AMQPFrameDecoder(limit: limit)))
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    func connectionOpened(_ channel: any Channel) {}

    func connectionClosed() {}

    // MARK: - Publishing (event loop)

    func publish(
        exchange: String, routingKey: String, body: [UInt8], mandatory: Bool, headers: [(String, String)],
        deadline: NIODeadline, caller: Caller
    ) {
        switch machine.publish(caller, deadline: deadline) {
        case .fail(let failure):
            caller.resume(.failure(failure))
        case .write(let tag, let armTimer):
            guard let connection else { preconditionFailure("connected without a connection") }
            do {
                try connection.write { (buffer, encoder) throws(AMQPCodecError) in
                    try encoder.writePublish(
                        exchange: exchange, routingKey: routingKey, mandatory: mandatory, messageID: tag,
                        headers: headers,
                        body: body, channel: AMQPConnectionStateMachine.channel, frameMax: connection.frameMax,
                        into: &buffer)
                }
            } catch {
                machine.unpublish(tag: tag)
                caller.resume(.failure(.invalidMessage("\(error)")))
                return
            }
            if let armTimer { arm(armTimer) }
        }
    }

    /// Refuses new publishes, waits for the confirms in flight, then stops the supervisor.
    func shutdown() -> EventLoopFuture<Void> {
        if let stopped { return stopped.futureResult }
        let promise = eventLoop.makePromise(of: Void.self)
        stopped = promise
        if machine.shutdown() == .stop { finishShutdown() }
        return promise.futureResult
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
        let result: AMQPContentAssembler.Result
        switch frame {
        case .method(_, .basicAck(let tag, let multiple)):
            complete(machine.acked(tag: tag, multiple: multiple))
            return
        case .method(_, .basicNack(let tag, let multiple, _)):
            complete(machine.nacked(tag: tag, multiple: multiple))
            return
        case .method(_, let method):
            guard case .basicReturn = method else { return }  // nothing else concerns a publisher
            result = returns.start(method)
        case .header(_, let header):
            result = returns.header(header)
        case .body(_, let bytes):
            result = returns.body(bytes)
        case .heartbeat:
            return
        }
        switch result {
        case .incomplete:
            break
        case .complete(let message):
            // Our message id is the delivery tag; the ack that follows answers `.unroutable`.
            if let tag = message.properties.messageID.flatMap({ UInt64($0) }) { machine.returned(tag: tag) }
        case .protocolError(let what):
            connection.abort(reason: "protocol error: \(what)")
        }
    }

    func connection(_ connection: AMQPConnectionHandler, blocked reason: String?) {
        blockedReason.withLockedValue { $0 = reason }
        if let reason {
            logger.warning("broker blocks publishers", metadata: ["reason": "\(reason)"])
            complete(machine.blocked(reason: reason))
        } else {
            logger.info("broker unblocked publishers")
            machine.unblocked()
        }
    }

    func connectionClosed(_ connection: AMQPConnectionHandler, reason: String) {
        if self.connection === connection { self.connection = nil }
        returns.reset()
        blockedReason.withLockedValue { $0 = nil }
        hooks.record(reason)
        complete(machine.connectionLost(reason: reason))
    }

    // MARK: - Helpers

    private func complete(_ settlement: AMQPPublisherStateMachine<Caller>.Settlement) {
        for completion in settlement.completions { completion.caller.resume(completion.result) }
        if let deadline = settlement.armTimer { arm(deadline) }
        if settlement.stop { finishShutdown() }
    }

    private func arm(_ deadline: NIODeadline) {
        timer?.cancel()
        timer = eventLoop.scheduleTask(deadline: deadline) {
            self.timer = nil
            self.complete(self.machine.timerFired(now: self.eventLoop.now))
        }
    }

    private func finishShutdown() {
        timer?.cancel()
        timer = nil
        guard let stopped else { return }
        hooks.stop().cascade(to: stopped)
    }
}

/// The outcomes of one `publishAll`, resuming its caller once all are known. Event loop only.
final class AMQPPublishAllCompletion {
    private var results: [Result<Void, any Error>?]
    private var remaining: Int
    private let continuation: UnsafeContinuation<[Result<Void, any Error>], Never>

    init(count: Int, continuation: UnsafeContinuation<[Result<Void, any Error>], Never>) {
        results = Array(repeating: nil, count: count)
        remaining = count
        self.continuation = continuation
        if count == 0 { continuation.resume(returning: []) }
    }

    func complete(_ index: Int, _ result: Result<Void, any Error>) {
        guard results[index] == nil else { return }
        results[index] = result
        remaining -= 1
        if remaining == 0 { continuation.resume(returning: results.map { $0! }) }
    }
}
