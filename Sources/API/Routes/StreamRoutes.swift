import Foundation
import Hummingbird
import HTTPTypes
import TableOrderCommon

/// `GET /api/admin/orders/stream`: the store's live events as SSE (contract §8).
///
/// The connection is served by `StreamTakeoverHandler` (see there for why); this route does what every
/// request does (authentication, validation), writes the replay, and leaves the rest to the `LiveStream`.
struct StreamRoutes: Sendable {
    let deps: Dependencies

    func register(on router: RouteTable) {
        router.get(StreamServer.path) { request, context in try await open(request, context) }
    }

    func open(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let lastEventID = try Self.lastEventID(request)
        guard let stream = context.liveStream else {
            // Only a request that did not arrive over an HTTP/1 connection of this server gets here.
            throw ServiceError.unavailable("the event stream is served only over a live connection")
        }
        let log = EventLogReader(storeID: claims.storeID, reads: deps.reads)
        let hub = deps.hub
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.connection] = "keep-alive"
        headers[.accelBuffering] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                // Subscribed before the log is read: an event committed meanwhile is then either in the
                // replay or signalled to the stream, which reads the log again when it goes live.
                guard try await stream.subscribe(to: hub, log: log) else { return }
                try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                var lastSent: Int64
                switch try await log.start(lastEventID: lastEventID) {
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

    /// `Last-Event-ID` header, else `?last_event_id=`; the header wins.
    static func lastEventID(_ request: Request) throws -> Int64? {
        let raw = request.headers[.lastEventID] ?? request.uri.queryParameters.get("last_event_id")
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = Int64(raw.trimmingCharacters(in: .whitespaces)), id >= 0 else {
            throw ServiceError.validation("Last-Event-ID: expected a non-negative integer")
        }
        return id
    }
}
