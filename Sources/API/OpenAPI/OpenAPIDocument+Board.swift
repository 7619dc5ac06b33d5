extension OpenAPIDocument {
    /// `GET /admin` and its assets, from the same list the routes are made from: public static files,
    /// `Cache-Control: no-cache` with an `ETag` (so 304 to a matching `If-None-Match`).
    static let boardPaths: [(String, JSONValue)] = BoardAssets.manifest.map { asset in
        let mediaType = String(asset.contentType.prefix { $0 != ";" })
        let summary = asset.path == "/admin" ? "The admin's live board (HTML page)" : "A file of the admin's live board"
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
