import HTTPTypes
import Hummingbird
import TableOrderCore

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let contentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// `GET /admin` and its assets. Outside `/api/`: the page is public, the data behind it is not (the page
/// logs in and sends the token itself).
struct BoardRoutes: Sendable {
    let assets: BoardAssets

    /// Same origin only, no inline script or style, not framed.
    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: Router<AppRequestContext>) {
        for asset in BoardAssets.manifest {
            let path = asset.path
            router.get(RouterPath(path)) { request, _ in try serve(path, request) }
        }
    }

    func serve(_ path: String, _ request: Request) throws -> Response {
        guard let loaded = assets.loaded[path] else {
            throw ServiceError.notFound(assets.problem ?? "no such resource")
        }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache"
        headers[.eTag] = loaded.etag
        headers[.contentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.contentSecurityPolicy] = Self.policy
        if request.headers[.ifNoneMatch] == loaded.etag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = loaded.asset.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: loaded.body))
    }
}
