import Foundation
import HTTPTypes
import Hummingbird
import TableOrderAuth
import TableOrderCore

/// `GET /api/admin/orders/stream`: the store's live events as SSE (contract §8); `GET /api/table/stream`
/// (v1.1 §7): the events about one table and the store's menu, through the same machinery.
///
/// The connection is served by `StreamTakeoverHandler` (see there for why); this route does what every
/// request does (authentication, validation), then `StreamResponse` opens the stream and the `LiveStream` carries it.
struct StreamRoutes: Sendable {
    let deps: Dependencies

    func register(on router: RouteTable) {
        router.get(StreamServer.path) { request, context in
            try await open(request, context, claims: try context.require(.admin))
        }
        router.get(StreamServer.tablePath) { request, context in
            try await open(request, context, claims: try context.require(.table))
        }
    }

    func open(_ request: Request, _ context: AppRequestContext, claims: AccessClaims) async throws -> Response {
        let lastEventID = try Self.lastEventID(request)
        guard let stream = context.liveStream else {
            // Only a request that did not arrive over an HTTP/1 connection of this server gets here.
            throw ServiceError.unavailable("the event stream is served only over a live connection")
        }
        var tableID: String?
        if claims.role == .table {
            guard let id = claims.tableID else { throw ServiceError.unauthorized("malformed claims") }
            tableID = id.lowercased()
        }
        let log = EventLogReader(storeID: claims.storeID, reads: deps.reads, tableID: tableID)
        let revocations = deps.revocations
        let owner = LiveStream.Owner(userID: claims.userID) {
            // Checked once a second by the hub's clock: a token logged out, reset or expired ends its stream.
            guard claims.expiresAt > Date() else { return false }
            do {
                try revocations.check(claims)
                return true
            } catch {
                return (error as? ServiceError)?.code != .unauthorized  // not loaded yet is not a revocation
            }
        }
        return try await StreamResponse.open(stream, hub: deps.hub, log: log, owner: owner, lastEventID: lastEventID)
    }

    /// `Last-Event-ID` header, else `?last_event_id=`; the header wins. Empty is absent (what a browser's
    /// `EventSource` sends before it has seen an id).
    static func lastEventID(_ request: Request) throws -> Int64? {
        let raw = request.headers[.lastEventID] ?? request.uri.queryParameters.get("last_event_id").map { String($0) }
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = parseEventID(raw) else {
            throw ServiceError.validation("Last-Event-ID: expected a decimal integer 0..\(maximumEventID)")
        }
        return id
    }

    /// The largest id a client may send (v1.1 §8): 2^53 − 1, the largest integer a JavaScript client holds
    /// exactly. Bounding it here keeps every `id + 1` further down far from `Int64.max`.
    static let maximumEventID: Int64 = 9_007_199_254_740_991

    /// ASCII digits only (no sign, no spaces, no `0x`), at most 16 of them, at most `maximumEventID`.
    static func parseEventID(_ text: some StringProtocol) -> Int64? {
        let digits = text.utf8
        guard (1...16).contains(digits.count) else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))  // 16 digits < 10^16: cannot overflow
        }
        return value <= maximumEventID ? value : nil
    }
}
