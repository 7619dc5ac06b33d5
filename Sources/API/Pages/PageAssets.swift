import Foundation
import Logging
import NIOCore

/// The two static pages, the staff's board (`GET /admin`) and the diner's tablet (`GET /table`), and the
/// modules and styles they share (`/shared/`): HTML, CSS and JavaScript modules shipped as SwiftPM
/// resources (`Pages/Public`, one folder per path) and read once at start-up.
///
/// The resource bundle is looked up by hand rather than through `Bundle.module`, whose accessor stops the
/// process when the bundle is missing (an image that copied only the executable): the API must run without
/// its pages, answering 404 on these paths and saying why once in the log.
struct PageAssets: Sendable {
    /// One file of a page and the path it is served at.
    struct Asset: Sendable {
        var path: String
        var file: String
        var contentType: String

        /// The type follows the file's extension.
        init(path: String, file: String) {
            self.path = path
            self.file = file
            self.contentType =
                switch file.split(separator: ".").last {
                case "html": "text/html; charset=utf-8"
                case "css": "text/css; charset=utf-8"
                default: "text/javascript; charset=utf-8"
                }
        }
    }

    /// A loaded file: its bytes and a validator for conditional requests.
    struct Loaded: Sendable {
        var asset: Asset
        var body: ByteBuffer
        var etag: String
    }

    /// Every file of the pages. The routes and `/openapi.json` are both made from this list.
    static let manifest: [Asset] =
        [
            Asset(path: "/admin", file: "admin/index.html"), Asset(path: "/table", file: "table/index.html"),
            // The tablet's service worker: served outside /table/ so that its scope can take in /table itself.
            Asset(path: "/tablet-offline.js", file: "table/offline.js"),
        ]
        + [
            "admin/board.css", "admin/board.js", "admin/api.js", "admin/state.js", "admin/view.js", "admin/i18n.js",
            "admin/menu-admin.js", "admin/sales.js",
            "table/tablet.css", "table/tablet.js", "table/menu.js", "table/cart.js", "table/orders.js", "table/view.js",
            "table/i18n.js",
            "shared/base.css", "shared/http.js", "shared/stream.js", "shared/i18n.js", "shared/dom.js",
        ].map { Asset(path: "/" + $0, file: $0) }

    /// SwiftPM's name for the target's resource bundle, placed beside the executable (and the test runner).
    static let bundleName = "tableorder_TableOrderAPI.resources"

    let loaded: [String: Loaded]
    /// Why nothing was loaded, when nothing was.
    let problem: String?

    /// Reads every file of the manifest from the first directory that has them all.
    static func load(logger: Logger) -> PageAssets {
        for directory in candidateDirectories() {
            if let loaded = read(from: directory) { return PageAssets(loaded: loaded, problem: nil) }
        }
        let problem = "the pages' files were not found (\(bundleName)/Public beside the executable)"
        logger.warning("the board and the tablet page are unavailable", metadata: ["reason": "\(problem)"])
        return PageAssets(loaded: [:], problem: problem)
    }

    static func candidateDirectories() -> [URL] {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let roots = [Bundle.main.bundleURL, executable.deletingLastPathComponent()]
        return roots.map { $0.appendingPathComponent(bundleName).appendingPathComponent("Public") }
    }

    static func read(from directory: URL) -> [String: Loaded]? {
        var loaded: [String: Loaded] = [:]
        for asset in manifest {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(asset.file).path)
            else { return nil }
            let bytes = Array(data)
            loaded[asset.path] = Loaded(asset: asset, body: ByteBuffer(bytes: bytes), etag: etag(bytes))
        }
        return loaded
    }

    /// A strong validator: 64-bit FNV-1a of the bytes, in hex.
    static func etag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }
}
