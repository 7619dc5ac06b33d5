import Foundation
import Hummingbird
import HTTPTypes
import TableOrderCommon

/// `GET /api/admin/orders/stream`: the store's live events as SSE (contract §8).
///
/// The connection is served by `StreamTakeoverHandler` (see there for why); this route does what every
/// request does (authentication, validation), then `StreamResponse` opens the stream and the `LiveStream` carries it.
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
        return try await StreamResponse.open(stream, hub: deps.hub, log: log, lastEventID: lastEventID)
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
