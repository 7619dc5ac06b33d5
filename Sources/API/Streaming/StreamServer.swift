#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers a stream request taken over by `StreamTakeoverHandler`, in a task that ends once the stream is
/// live (or refused), through the application's own responder.
struct StreamServer: Sendable {
    static let path = "/api/admin/orders/stream"
    /// v1.1: a table's own stream.
    static let tablePath = "/api/table/stream"
    private static let pathComponents = [path, tablePath].map { $0.split(separator: "/") }

    let responder: any HTTPResponder<AppRequestContext>
    let logger: Logger

    /// The router's match for the streams' routes: GET, the same path segments (empty ones are ignored,
    /// as the router ignores them), any query.
    static func serves(_ head: HTTPRequest) -> Bool {
        guard head.method == .get, let target = head.path else { return false }
        let path = target.prefix { $0 != "?" && $0 != "#" }.split(separator: "/")
        return pathComponents.contains { path.elementsEqual($0) }
    }

    func serve(_ head: HTTPRequest, on stream: LiveStream) {
        Task { await respond(to: head, on: stream) }
    }

    private func respond(to head: HTTPRequest, on stream: LiveStream) async {
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        var context = AppRequestContext(source: .init(channel: stream.channel, logger: logger))
        context.liveStream = stream
        var response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            // The error middleware answers every error it sees; this is only what escapes it.
            response = ErrorMiddleware<AppRequestContext>.response(
                for: ErrorMiddleware<AppRequestContext>.serviceError(error, logger: logger))
        }
        if response.status != .ok { response.headers[.connection] = "close" }
        response.headers[.date] = Self.httpDate()  // what Hummingbird adds to every other response
        if let length = response.body.contentLength { response.headers[.contentLength] = String(length) }
        do {
            try await stream.write(.head(response.head))
            try await response.body.write(LiveStreamBodyWriter(stream: stream))
        } catch {
            logger.debug("event stream ended while opening", metadata: ["error": "\(error)"])
        }
        if await !stream.isLive { stream.end() }
    }
}

extension StreamServer {
    /// Now as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), from the C library (this process never sets
    /// a locale, so names are English).
    static func httpDate(_ seconds: Int = time(nil)) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A response body written to a taken-over connection; finishing it ends the connection too.
struct LiveStreamBodyWriter: ResponseBodyWriter {
    let stream: LiveStream

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await stream.write(.body(buffer))
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        stream.end()
    }
}
