extension OpenAPIDocument {
    /// `GET /admin`, `GET /table` and their files, from the same list the routes are made from: public static
    /// files, `Cache-Control: no-cache` with an `ETag` (so 304 to a matching `If-None-Match`).
    static let pagePaths: [(String, JSONValue)] = PageAssets.manifest.map { asset in
        let mediaType = String(asset.contentType.prefix { $0 != ";" })
        let summary =
            switch asset.path {
            case "/admin": "The staff's live board (HTML page)"
            case "/table": "The diner's tablet page (HTML page)"
            case "/tablet-offline.js": "The tablet page's service worker (keeps its files for a reload offline)"
            case let path where path.hasPrefix("/admin/"): "A file of the staff's board"
            case let path where path.hasPrefix("/table/"): "A file of the tablet page"
            default: "A file both pages load"
            }
        let file: JSONValue = ["schema": ["type": "string"]]
        let get: JSONValue = [
            "summary": .string(summary),
            "responses": [
                "200": ["description": "the file", "content": .object([(mediaType, file)])],
                "304": ["description": "not modified since the ETag sent in If-None-Match"],
                "404": errorResponse,
            ],
        ]
        return (asset.path, ["get": get])
    }
}
