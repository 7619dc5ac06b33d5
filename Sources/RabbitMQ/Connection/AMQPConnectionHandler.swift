import NIOCore

/// What a connection's role (publisher, consumer, admin) hears from it. All on the event loop.
protocol AMQPConnectionDelegate: AnyObject {
    /// The handshake and the role's setup methods are done: the channel is usable.
    func connectionReady(_ connection: AMQPConnectionHandler)
    /// A frame on the channel, after `connectionReady`.
    func connection(_ connection: AMQPConnectionHandler, received frame: AMQPFrame)
    /// The broker blocks publishers (`reason`), or stopped doing so (`nil`).
    func connection(_ connection: AMQPConnectionHandler, blocked reason: String?)
    /// The socket closed, for this reason (the broker's reply text, a protocol error, …). Once.
    func connectionClosed(_ connection: AMQPConnectionHandler, reason: String)
}

/// The thin glue between one connection's bytes and `AMQPConnectionStateMachine`: it performs the
/// machine's actions, runs the handshake, heartbeat and close timers, and gives the role a buffer to
/// write into.
///
/// Writes are coalesced: everything sent during one event-loop tick (a burst of publishes hopping onto
/// the loop, the acks for one read) goes into one buffer, written and flushed once at the end of the
/// tick or of the read. Closing the channel from outside (the supervisor's shutdown) first closes the
/// AMQP connection politely, so the broker has applied everything sent before.
final class AMQPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = AMQPFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Timeouts: Sendable {
        /// From the transport being up to the channel being set up.
        var handshake: TimeAmount = .seconds(10)
        /// For `close-ok` after our `connection.close`.
        var close: TimeAmount = .seconds(2)
    }

    private var machine: AMQPConnectionStateMachine
    private var delegate: (any AMQPConnectionDelegate)?
    private let limit: AMQPFrameLimit
    private let timeouts: Timeouts
    private let encoder = AMQPFrameEncoder()

    private var context: ChannelHandlerContext?
    private var loopBoundSelf: NIOLoopBound<AMQPConnectionHandler>?
    /// What this tick wrote so far, flushed once.
    private var output = ByteBuffer()
    private var flushScheduled = false
    private var heartbeatTask: RepeatedTask?
    private var handshakeTimer: Scheduled<Void>?
    private var closeTimer: Scheduled<Void>?
    /// The promise of a close from outside, completed when the polite close is over.
    private var closePromise: EventLoopPromise<Void>?
    private var readSinceTick = false
    private var wroteSinceTick = false
    private var reportedClose = false

    /// The negotiated frame size (body frames are split to fit).
    private(set) var frameMax = Int(AMQPConnectionStateMachine.clientFrameMax)

    init(
        configuration: AMQPConnectionStateMachine.Configuration, setup: [AMQPMethod], limit: AMQPFrameLimit,
        timeouts: Timeouts = Timeouts(), delegate: any AMQPConnectionDelegate
    ) {
        self.machine = AMQPConnectionStateMachine(configuration: configuration, setup: setup)
        self.limit = limit
        self.timeouts = timeouts
        self.delegate = delegate
    }

    // MARK: - For the role

    /// Sends a method on the channel (with this tick's other writes).
    func send(_ method: AMQPMethod) {
        writeMethod(method, channel: AMQPConnectionStateMachine.channel)
    }

    /// Appends frames to this tick's output. An encoding error is the caller's (nothing was appended).
    func write(_ body: (inout ByteBuffer, AMQPFrameEncoder) throws(AMQPCodecError) -> Void) throws(AMQPCodecError) {
        try body(&output, encoder)
        scheduleFlush()
    }

    /// Closes the AMQP connection politely (`connection.close`, then the socket).
    func close() {
        run(machine.close())
    }

    /// Gives up on the connection now, for this reason (a protocol error the role found).
    func abort(reason: String) {
        run(machine.failed(reason))
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        output = context.channel.allocator.buffer(capacity: 4096)
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard handshakeTimer == nil, let bound = loopBoundSelf else { return }
        handshakeTimer = context.eventLoop.scheduleTask(in: timeouts.handshake) {
            bound.value.run(bound.value.machine.handshakeTimedOut())
        }
        run(machine.connected())
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        readSinceTick = true
        run(machine.received(unwrapInboundIn(data)))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushNow()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        run(machine.failed("\(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        heartbeatTask?.cancel()
        handshakeTimer?.cancel()
        closeTimer?.cancel()
        heartbeatTask = nil
        let reason = machine.channelClosed()
        if let closePromise {
            self.closePromise = nil
            closePromise.succeed()
        }
        reportClosed(reason)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loopBoundSelf = nil
        self.context = nil
    }

    /// A close from outside (the supervisor's shutdown): the AMQP close first, then the socket.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let closePromise {
            promise.map { closePromise.futureResult.cascade(to: $0) }
            return
        }
        let action = machine.close()
        guard case .startClosing = action else {
            context.close(mode: mode, promise: promise)
            return
        }
        closePromise = promise ?? context.eventLoop.makePromise()
        run(action)
    }

    // MARK: - Actions

    private func run(_ action: AMQPConnectionStateMachine.Action) {
        guard let context else { return }
        switch action {
        case .none:
            break
        case .forward(let frame):
            delegate?.connection(self, received: frame)
        case .sendProtocolHeader:
            encoder.writeProtocolHeader(into: &output)
            flushNow()
        case .send(let method, let channel):
            writeMethod(method, channel: channel)
        case .tune(let tuning, let tuneOK, let open):
            frameMax = Int(tuning.frameMax)
            limit.maximumFrameSize = frameMax
            writeMethod(tuneOK, channel: 0)
            writeMethod(open, channel: 0)
            startHeartbeats(seconds: tuning.heartbeat, context: context)
        case .sendSetup(let methods):
            for method in methods { writeMethod(method, channel: AMQPConnectionStateMachine.channel) }
        case .ready:
            handshakeTimer?.cancel()
            handshakeTimer = nil
            delegate?.connectionReady(self)
        case .blocked(let reason):
            delegate?.connection(self, blocked: reason)
        case .unblocked:
            delegate?.connection(self, blocked: nil)
        case .sendHeartbeat:
            encoder.writeHeartbeat(into: &output)
            flushNow()
        case .answerAndClose(let method, let channel, _):
            writeMethod(method, channel: channel)
            let promise = context.eventLoop.makePromise(of: Void.self)
            flushNow(promise: promise)
            let closePromise = takeClosePromise()
            let bound = loopBoundSelf!
            promise.futureResult.whenComplete { _ in bound.value.context?.close(promise: closePromise) }
        case .startClosing(let method):
            writeMethod(method, channel: 0)
            flushNow()
            let bound = loopBoundSelf!
            closeTimer = context.eventLoop.scheduleTask(in: timeouts.close) {
                bound.value.run(bound.value.machine.closeTimedOut())
            }
        case .close:
            flushNow()
            context.close(promise: takeClosePromise())
        }
    }

    private func takeClosePromise() -> EventLoopPromise<Void>? {
        defer { closePromise = nil }
        return closePromise
    }

    private func writeMethod(_ method: AMQPMethod, channel: UInt16) {
        do {
            try encoder.writeMethod(method, channel: channel, into: &output)
            scheduleFlush()
        } catch {
            // Only our own methods are encoded here; one that does not encode is a bug, and the
            // connection cannot go on without it.
            run(machine.failed("\(error)"))
        }
    }

    private func startHeartbeats(seconds: UInt16, context: ChannelHandlerContext) {
        guard seconds > 0, let bound = loopBoundSelf else { return }
        let interval = TimeAmount.milliseconds(Int64(seconds) * 500)
        heartbeatTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let handler = bound.value
            let (received, sent) = (handler.readSinceTick, handler.wroteSinceTick)
            handler.readSinceTick = false
            handler.wroteSinceTick = false
            handler.run(handler.machine.heartbeatTick(received: received, sent: sent))
        }
    }

    private func scheduleFlush() {
        guard !flushScheduled, let bound = loopBoundSelf, let context else { return }
        flushScheduled = true
        context.eventLoop.execute { bound.value.flushNow() }
    }

    private func flushNow(promise: EventLoopPromise<Void>? = nil) {
        flushScheduled = false
        guard let context, output.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        wroteSinceTick = true
        context.writeAndFlush(wrapOutboundOut(output), promise: promise)
        // Reuses the storage when the socket took the bytes at once (it usually does).
        output.clear()
    }

    private func reportClosed(_ reason: String) {
        guard !reportedClose else { return }
        reportedClose = true
        let delegate = self.delegate
        self.delegate = nil
        delegate?.connectionClosed(self, reason: reason)
    }
}
