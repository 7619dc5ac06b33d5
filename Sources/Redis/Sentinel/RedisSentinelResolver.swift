import Logging
import NIOCore
import NIOPosix
import TableOrderConnections
import TableOrderCore

/// Finds the Redis primary through one sentinel: the `resolve` hook of the supervisors behind Sentinel.
///
/// Each call opens a short-lived channel to the sentinel the supervisor chose (TLS too for `rediss`),
/// sends `RedisSentinelQuery`'s commands, and answers the primary's address. A sentinel that is down,
/// slow or does not know the primary fails the call, and the supervisor tries the next sentinel. The
/// connection to the primary then checks with `ROLE` that it really is one.
struct RedisSentinelResolver: Sendable {
    private let sentinels: RedisSentinels
    private let url: RedisURL
    private let security: TransportSecurity
    private let timeout: Duration
    private let logger: Logger
    /// The primary this resolver named last, to log a change (a failover) at info and the rest at debug.
    private let lastPrimary: LastPrimary

    /// - Parameters:
    ///   - url: Its credentials are offered to the sentinels too.
    ///   - timeout: For connecting and answering together.
    init(sentinels: RedisSentinels, url: RedisURL, security: TransportSecurity, timeout: Duration = .seconds(2), logger: Logger) {
        self.sentinels = sentinels
        self.url = url
        self.security = security
        self.timeout = timeout
        self.logger = logger
        self.lastPrimary = LastPrimary()
    }

    /// - Parameters:
    ///   - sentinel: The sentinel to ask.
    ///   - eventLoop: The supervisor's loop; the answer completes there. Each supervisor has its own resolver.
    func resolve(_ sentinel: BrokerEndpoint, on eventLoop: any EventLoop) -> EventLoopFuture<BrokerEndpoint> {
        let promise = eventLoop.makePromise(of: BrokerEndpoint.self)
        let query = RedisSentinelQuery(masterName: sentinels.masterName, username: url.username, password: url.password)
        let security = self.security
        let timeout = TimeAmount(self.timeout)
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.fail(RedisError("sentinel \(sentinel) did not answer within \(self.timeout)"))
        }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    try security.addHandlers(to: channel, host: sentinel.host)
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(RESPReplyDecoder(maximumReplyBytes: 64 * 1024)),
                        RedisSentinelQueryHandler(query: query, promise: promise))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(host: sentinel.host, port: sentinel.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    // Whatever the answer (or the deadline), the channel has served its purpose.
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    promise.fail(error)
                }
            }
        let master = sentinels.masterName
        let (logger, lastPrimary) = (self.logger, self.lastPrimary)
        return promise.futureResult.map { primary in
            deadline.cancel()
            let metadata: Logger.Metadata = ["sentinel": "\(sentinel)", "master": "\(master)", "primary": "\(primary)"]
            if lastPrimary.endpoint != primary {
                logger.info("sentinel names the redis primary", metadata: metadata)
                lastPrimary.endpoint = primary
            } else {
                logger.debug("sentinel names the redis primary", metadata: metadata)
            }
            return primary
        }.flatMapErrorThrowing { error in
            deadline.cancel()
            throw error
        }
    }
}

/// Touched only on the loop of the supervisor whose resolver holds it.
private final class LastPrimary: @unchecked Sendable {
    var endpoint: BrokerEndpoint?
}

/// Sends the query when the channel is up and completes the promise with its answer.
private final class RedisSentinelQueryHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    typealias OutboundOut = ByteBuffer

    private var query: RedisSentinelQuery
    private let promise: EventLoopPromise<BrokerEndpoint>

    init(query: RedisSentinelQuery, promise: EventLoopPromise<BrokerEndpoint>) {
        self.query = query
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        for command in query.commands { buffer.writeRESPCommand(command) }
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch query.replyReceived(Self.unwrapInboundIn(data)) {
        case .success(let primary)?: promise.succeed(primary)
        case .failure(let error)?: promise.fail(error)
        case nil: break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(RedisError("the sentinel closed the connection"))
        context.fireChannelInactive()
    }
}
