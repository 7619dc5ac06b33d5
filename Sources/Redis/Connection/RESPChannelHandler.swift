import NIOCore

/// What a `RESPChannelHandler` reports to its session (on the channel's event loop).
protocol RESPChannelDelegate: AnyObject {
    func received(_ reply: RESPValue, on handler: RESPChannelHandler)
    /// The channel failed (protocol, TLS or socket error); the handler closes it.
    func failed(_ error: any Error, on handler: RESPChannelHandler)
    /// The channel closed; sent before `ConnectionSession.connectionClosed()`.
    func closed(_ handler: RESPChannelHandler)
}

/// The thin glue between one channel and its session: replies in, commands out.
///
/// Commands are formatted into one buffer and flushed once per turn of the event loop, so a burst of
/// requests (many tasks on this loop, or many hops from other threads) shares one write and one system
/// call, and Redis sees them pipelined.
final class RESPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    typealias OutboundOut = ByteBuffer

    private var delegate: (any RESPChannelDelegate)?
    private var context: ChannelHandlerContext?
    private var outbound: ByteBuffer?
    private var flushScheduled = false

    init(delegate: any RESPChannelDelegate) {
        self.delegate = delegate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.delegate = nil  // the session holds the handler while the channel is open: no cycle after
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        delegate?.received(Self.unwrapInboundIn(data), on: self)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        delegate?.failed(error, on: self)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outbound = nil
        delegate?.closed(self)
        delegate = nil
        context.fireChannelInactive()
    }

    /// Queues one command; it goes out with the others of this loop turn.
    func write(_ command: [[UInt8]]) {
        guard let context else { return }
        if outbound == nil { outbound = context.channel.allocator.buffer(capacity: 512) }
        outbound!.writeRESPCommand(command)
        guard !flushScheduled else { return }
        flushScheduled = true
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { handler.value.flush() }
    }

    /// Writes and flushes what was queued (also called by the scheduled flush).
    func flush() {
        flushScheduled = false
        guard let context, let buffer = outbound.take(), buffer.readableBytes > 0 else { return }
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }

    /// Closes after this loop turn, so replies already read (the rest of this read) still go up first.
    func closeAfterPendingReads() {
        guard let context else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { handler.value.close() }
    }
}
