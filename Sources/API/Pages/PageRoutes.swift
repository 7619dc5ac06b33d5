import HTTPTypes
import Hummingbird
import TableOrderCore

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let contentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// `GET /admin`, `GET /table` and their files. Outside `/api/`: the pages are public, the data behind them is
/// not (each page signs in and sends its token itself).
struct PageRoutes: Sendable {
    let assets: PageAssets

    /// Same origin only, no inline script or style, not framed. Menu pictures are the one exception: an
    /// image URL is whatever staff gave the menu (`image_url`), so images may come from any HTTPS host.
    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: https:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: Router<AppRequestContext>) {
        for asset in PageAssets.manifest {
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
