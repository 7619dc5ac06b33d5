import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Many EventSource-style subscribers on few threads: each connection sends one GET and reports every
/// complete SSE frame (`…\n\n`) with its arrival time. The same client measures our streams and the
/// nchan reference, so the two are compared like for like.
final class SSEFleet: Sendable {
    typealias FrameHandler = @Sendable (_ connection: Int, _ frame: String, _ receivedAt: UInt64) -> Void

    private let group: MultiThreadedEventLoopGroup
    private let onFrame: FrameHandler
    private let state = NIOLockedValueBox(State())
    private let channels = NIOLockedValueBox([any Channel]())

    struct State {
        var answered = 0
        var refused = 0
        var closed = 0
    }

    init(threads: Int = 1, onFrame: @escaping FrameHandler) {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.onFrame = onFrame
    }

    /// Subscribers that got `200` and are still open.
    var open: Int { state.withLockedValue { $0.answered - $0.closed } }
    var refused: Int { state.withLockedValue { $0.refused } }

    /// Opens `count` subscribers to `path`, `concurrency` handshakes at a time, and waits (up to `timeout`)
    /// until each has its response head. Throws if any is refused or never answers.
    func connect(
        count: Int, host: String, port: Int, path: String, headers: [(String, String)], concurrency: Int = 200,
        timeout: Duration = .seconds(120)
    ) async throws {
        var next = 0
        while next < count {
            let batch = min(concurrency, count - next)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for index in next..<(next + batch) {
                    tasks.addTask { try await self.open(index: index, host: host, port: port, path: path, headers: headers) }
                }
                try await tasks.waitForAll()
            }
            next += batch
            let target = next
            let deadline = ContinuousClock.now + timeout
            while state.withLockedValue({ $0.answered + $0.refused }) < target {
                guard ContinuousClock.now < deadline else { throw BenchError("only \(open) of \(target) streams answered") }
                try await Task.sleep(for: .milliseconds(5))
            }
            if refused > 0 { throw BenchError("\(refused) streams refused") }
        }
    }

    private func open(index: Int, host: String, port: Int, path: String, headers: [(String, String)]) async throws {
        let onFrame = self.onFrame
        let state = self.state
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        SubscriberHandler(
                            index: index, host: host, path: path, headers: headers, onFrame: onFrame, state: state))
                }
            }
            .connect(host: host, port: port).get()
        channels.withLockedValue { $0.append(channel) }
    }

    func close() async {
        let all = channels.withLockedValue { channels in
            defer { channels = [] }
            return channels
        }
        for channel in all { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// One subscriber: sends the GET when connected, then splits the de-chunked body into SSE frames.
private final class SubscriberHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let index: Int
    let host: String
    let path: String
    let headers: [(String, String)]
    let onFrame: SSEFleet.FrameHandler
    let state: NIOLockedValueBox<SSEFleet.State>
    private var pending: [UInt8] = []
    private var answered = false

    init(
        index: Int, host: String, path: String, headers: [(String, String)], onFrame: @escaping SSEFleet.FrameHandler,
        state: NIOLockedValueBox<SSEFleet.State>
    ) {
        self.index = index
        self.host = host
        self.path = path
        self.headers = headers
        self.onFrame = onFrame
        self.state = state
    }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            answered = head.status == .ok
            state.withLockedValue { answered ? ($0.answered += 1) : ($0.refused += 1) }
        case .body(let buffer):
            pending.append(contentsOf: buffer.readableBytesView)
            deliverFrames(at: monotonicNanoseconds())
        case .end:
            context.close(promise: nil)
        }
    }

    private func deliverFrames(at time: UInt64) {
        var start = 0
        var index = 0
        while index + 1 < pending.count {
            if pending[index] == 10, pending[index + 1] == 10 {
                let frame = String(decoding: pending[start..<index], as: UTF8.self)
                onFrame(self.index, frame, time)
                start = index + 2
                index = start
            } else {
                index += 1
            }
        }
        if start > 0 { pending.removeFirst(start) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if answered { state.withLockedValue { $0.closed += 1 } }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
