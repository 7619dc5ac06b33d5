import Foundation
import Logging
import NIOCore

/// The admin's live board (`GET /admin`): a static page of HTML, CSS and JavaScript modules, shipped as
/// SwiftPM resources (`Board/Public`) and read once at start-up.
///
/// The resource bundle is looked up by hand rather than through `Bundle.module`, whose accessor stops the
/// process when the bundle is missing (an image that copied only the executable): the API must run without
/// its board, answering 404 on these paths and saying why once in the log.
struct BoardAssets: Sendable {
    /// One file of the board and the path it is served at.
    struct Asset: Sendable {
        var path: String
        var file: String
        var contentType: String
    }

    /// A loaded file: its bytes and a validator for conditional requests.
    struct Loaded: Sendable {
        var asset: Asset
        var body: ByteBuffer
        var etag: String
    }

    /// Every file of the board. The routes and `/openapi.json` are both made from this list.
    static let manifest: [Asset] = [
        .init(path: "/admin", file: "index.html", contentType: "text/html; charset=utf-8"),
        .init(path: "/admin/board.css", file: "board.css", contentType: "text/css; charset=utf-8"),
        .init(path: "/admin/board.js", file: "board.js", contentType: "text/javascript; charset=utf-8"),
        .init(path: "/admin/api.js", file: "api.js", contentType: "text/javascript; charset=utf-8"),
        .init(path: "/admin/stream.js", file: "stream.js", contentType: "text/javascript; charset=utf-8"),
        .init(path: "/admin/state.js", file: "state.js", contentType: "text/javascript; charset=utf-8"),
        .init(path: "/admin/view.js", file: "view.js", contentType: "text/javascript; charset=utf-8"),
        .init(path: "/admin/i18n.js", file: "i18n.js", contentType: "text/javascript; charset=utf-8"),
    ]

    /// SwiftPM's name for the target's resource bundle, placed beside the executable (and the test runner).
    static let bundleName = "tableorder_TableOrderAPI.resources"

    let loaded: [String: Loaded]
    /// Why nothing was loaded, when nothing was.
    let problem: String?

    /// Reads every file of the manifest from the first directory that has them all.
    static func load(logger: Logger) -> BoardAssets {
        for directory in candidateDirectories() {
            if let loaded = read(from: directory) { return BoardAssets(loaded: loaded, problem: nil) }
        }
        let problem = "the admin board's files were not found (\(bundleName)/Public beside the executable)"
        logger.warning("admin board unavailable", metadata: ["reason": "\(problem)"])
        return BoardAssets(loaded: [:], problem: problem)
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
