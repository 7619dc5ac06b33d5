import HTTPTypes
import Hummingbird
import NIOCore
import TableOrderCore

/// The response that opens a stream, in the order that keeps "no gap" true for a client acting on what it
/// sees: the stream joins the hub and fixes where it starts (the log's newest id, or the client's
/// `Last-Event-ID`) before anything is sent. An admin whose tablet shows the stream open and then watches a
/// table order gets that order: its event is committed after the starting point was read. (Reading the
/// start after the head went out lost such an event: it looked older than the stream.)
enum StreamResponse {
    static let headers: HTTPFields = {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.connection] = "keep-alive"
        headers[.accelBuffering] = "no"
        return headers
    }()

    static func open(
        _ stream: LiveStream, hub: EventHub, log: EventLogReader, owner: LiveStream.Owner, lastEventID: Int64?
    ) async throws -> Response {
        // Subscribed before the log is read: an event committed meanwhile is then either in the replay or
        // signalled to the stream, which reads the log again when it goes live.
        switch try await stream.subscribe(to: hub, log: log, owner: owner) {
        case .admitted:
            break
        case .closed:
            throw ServiceError.unavailable("the server is shutting down; reconnect")
        case .full:
            throw ServiceError.unavailable("this server holds as many live streams as it can; retry", retryAfter: 5)
        case .userAtLimit:
            throw ServiceError(
                .rateLimited, "at most \(hub.limits.perUser) live streams per user on one server",
                retryAfterSeconds: 5)
        }
        let start = try await log.start(lastEventID: lastEventID)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                var lastSent: Int64
                switch start {
                case .live(let newest):
                    lastSent = newest
                case .truncated(let frame, let newest):
                    try await writer.write(frame)
                    lastSent = newest
                case .replay(let after):
                    lastSent = after
                    while true {
                        let (frames, last, more) = try await log.page(after: lastSent)
                        if let frames { try await writer.write(frames) }
                        lastSent = last
                        if !more { break }
                    }
                }
                try await stream.goLive(lastSent: lastSent)
            })
    }
}
