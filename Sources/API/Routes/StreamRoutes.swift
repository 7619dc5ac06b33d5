import Foundation
import Hummingbird
import ServiceLifecycle
import HTTPTypes
import TableOrderCommon

/// `GET /api/admin/orders/stream`: the store's live events as SSE (contract §8).
struct StreamRoutes: Sendable {
    let deps: Dependencies

    func register(on router: RouteTable) {
        router.get("/api/admin/orders/stream") { request, context in try await open(request, context) }
    }

    func open(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let lastEventID = try Self.lastEventID(request)
        let stream = EventStream(storeID: claims.storeID, reads: deps.reads, hub: deps.hub)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.connection] = "keep-alive"
        headers[.accelBuffering] = "no"
        let hub = deps.hub
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                // On SIGTERM the server drains requests before the hub's own service stops, so the
                // stream must end on the signal itself, or shutdown would wait for every open stream.
                try await withGracefulShutdownHandler {
                    try await stream.write(to: &writer, lastEventID: lastEventID)
                } onGracefulShutdown: {
                    hub.close()
                }
                try await writer.finish(nil)
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
