import CryptoExtras
import Foundation
import Synchronization

/// Where the real services and the built executables are. Set by `ops/test.sh`; without them the
/// integration suites are skipped (and `ops/test.sh` refuses to run with them missing).
enum TestEnvironment {
    static let env = ProcessInfo.processInfo.environment
    static var databaseURL: String? { env["DATABASE_URL"] }
    static var redisURL: String? { env["REDIS_URL"] }
    static var rabbitURL: String? { env["RABBITMQ_URL"] }
    static var redisPort: String { env["TO_REDIS_PORT"] ?? "6379" }
    /// The test Redis, another of its numbered databases (keys apart; pub/sub is shared by all of them).
    static func redisURL(database: Int) -> String { "\(redisURL!)/\(database)" }
    static var isAvailable: Bool { databaseURL != nil && redisURL != nil && rabbitURL != nil && binDirectory != nil }

    static var binDirectory: String? {
        if let dir = env["TABLEORDER_BIN_DIR"] { return dir }
        // Fallback: the test bundle sits in the build's bin directory.
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("tableorder-api").path) {
            return candidate.path
        }
        return nil
    }

    static func binary(_ name: String) -> String { "\(binDirectory!)/\(name)" }

    /// A key pair shared by the API processes of a run.
    static let keys: (publicPath: String, privatePath: String) = {
        let dir = NSTemporaryDirectory() + "tableorder-keys-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let priv = dir + "/private.pem"
        let pub = dir + "/public.pem"
        if !FileManager.default.fileExists(atPath: pub), let key = try? _RSA.Signing.PrivateKey(keySize: .bits2048) {
            _ = FileManager.default.createFile(atPath: priv, contents: Data(key.pemRepresentation.utf8))
            _ = FileManager.default.createFile(atPath: pub, contents: Data(key.publicKey.pemRepresentation.utf8))
        }
        return (pub, priv)
    }()

    /// Runs a program to completion; returns (status, stdout and stderr together, "").
    /// Output goes through a file, never a pipe (see `Spawned`).
    @discardableResult
    static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (
        status: Int32, out: String, err: String
    ) {
        let output = NSTemporaryDirectory() + "tableorder-run-\(UUID().uuidString.prefix(8)).out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try Spawned(path, arguments, environment: environment ?? env, output: output)
        let status = await process.exit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (status, text, text)
    }

    /// A TCP port nobody listens on right now, and that this test process has not handed out before
    /// (parallel tests start servers at once: the kernel could give two of them the same free port).
    static func freePort() -> Int {
        while true {
            let port = kernelFreePort()
            let fresh = handedOut.withLock { ports in ports.insert(port).inserted }
            if fresh { return port }
        }
    }

    static let handedOut = Mutex<Set<Int>>([])

    private static func kernelFreePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
