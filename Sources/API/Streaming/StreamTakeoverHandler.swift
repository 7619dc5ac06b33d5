import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Takes the event streams (`GET /api/admin/orders/stream`, `GET /api/table/stream`) off Hummingbird's
/// connection task and serves each from its channel.
///
/// Hummingbird answers each request inside its connection's task, and a Swift task keeps the stack it
/// once grew until the task ends: a stream answered there would hold the whole middleware chain's frames,
/// and its request, for as long as the admin watches (hours, times thousands of streams). Here the request
/// is answered by a short task of its own through the same responder (trace, metrics, errors, rate limit,
/// authentication, the route), and then the stream is only its `LiveStream`, written to from the event loop.
/// The connection is the stream's from then on: anything else the client sends on it is ignored, and it is
/// closed when the response ends.
final class StreamTakeoverHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let server: StreamServer
    private var stream: LiveStream?

    init(server: StreamServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if stream != nil { return }
        guard case .head(let head) = unwrapInboundIn(data), StreamServer.serves(head) else {
            return context.fireChannelRead(data)
        }
        // Without requests in its view, Hummingbird's connection handler would close the stream as idle.
        let operations = context.pipeline.syncOperations
        if let idleTimer = try? operations.handler(type: HTTPConnectionStateHandler.self) {
            operations.removeHandler(idleTimer, promise: nil)
        }
        let stream = LiveStream(context: context)
        self.stream = stream
        server.serve(head, on: stream)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream?.closed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Graceful shutdown: a stream would otherwise keep the server draining until its client leaves.
        if let stream, event is ChannelShouldQuiesceEvent { return stream.end() }
        context.fireUserInboundEventTriggered(event)
    }
}
