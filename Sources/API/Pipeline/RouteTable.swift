import Hummingbird
import HTTPTypes
import NIOConcurrencyHelpers

/// Registers routes on the router and remembers each (method, path), so `/openapi.json` can be checked
/// against what is really served.
struct RouteTable {
    struct Entry: Hashable, Sendable, Comparable {
        var method: String
        /// OpenAPI form: `/api/orders/{order_id}`.
        var path: String
        static func < (a: Entry, b: Entry) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    let router: Router<AppRequestContext>
    private let entries = NIOLockedValueBox<[Entry]>([])

    init(router: Router<AppRequestContext>) { self.router = router }

    var registered: [Entry] { entries.withLockedValue { $0.sorted() } }

    func add(
        _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) {
        router.on(RouterPath(path), method: method, use: handler)
        let openAPIPath = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
        entries.withLockedValue { $0.append(Entry(method: method.rawValue.lowercased(), path: openAPIPath)) }
    }

    func get(_ path: String, _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) {
        add(.get, path, handler)
    }
    func post(_ path: String, _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) {
        add(.post, path, handler)
    }
    func put(_ path: String, _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) {
        add(.put, path, handler)
    }
    func patch(_ path: String, _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) {
        add(.patch, path, handler)
    }
    func delete(_ path: String, _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) {
        add(.delete, path, handler)
    }
}
