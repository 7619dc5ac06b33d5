import Hummingbird
import TableOrderCore

/// `GET /openapi.json`, encoded once.
struct OpenAPIRoutes: Sendable {
    static let bytes: [UInt8] = (try? JSON.encode(OpenAPIDocument.document)) ?? []

    func register(on router: Router<AppRequestContext>) {
        router.get("/openapi.json") { _, _ in Response.json(bytes: Self.bytes) }
    }
}
