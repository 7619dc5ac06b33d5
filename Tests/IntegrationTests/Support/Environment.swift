import CryptoExtras
import Foundation
import Synchronization
import TableOrderProcesses

/// Where the real services and the built executables are. Set by `ops/test.sh`, which also exports
/// `TABLEORDER_INTEGRATION=1`. Without that flag, a suite whose part of the environment is missing is
/// skipped (a plain `swift test` on a laptop); with it, a missing part is a failure naming it, never a
/// skip: a broken environment must not turn into a green run without integration tests.
///
/// Suites say what they need with `.enabled(if: try TestEnvironment.requires(...))`.
enum TestEnvironment {
    static let env = ProcessInfo.processInfo.environment
    static var databaseURL: String? { env["DATABASE_URL"] }
    static var redisURL: String? { env["REDIS_URL"] }
    static var rabbitURL: String? { env["RABBITMQ_URL"] }
    static var redisPort: String { env["TO_REDIS_PORT"] ?? "6379" }
    /// The test Redis, another of its numbered databases (keys apart; pub/sub is shared by all of them).
    static func redisURL(database: Int) -> String { "\(redisURL!)/\(database)" }

    /// What a suite needs from the environment.
    enum Requirement: Sendable {
        /// `tableorder-api` and `tableorder-worker` (`TABLEORDER_BIN_DIR`, else beside the test bundle).
        case executables
        /// PostgreSQL, Redis and RabbitMQ (`DATABASE_URL`, `REDIS_URL`, `RABBITMQ_URL`), and the executables.
        case services
        /// The repository's checkout (`TABLEORDER_REPO_ROOT`), for suites that run its scripts.
        case repositoryRoot
    }

    /// `TABLEORDER_INTEGRATION=1`: the integration suites must run; anything missing fails them.
    static var integrationRequired: Bool { isRequired(in: env) }
    static func isRequired(in env: [String: String]) -> Bool { env["TABLEORDER_INTEGRATION"] == "1" }

    /// What of `requirements` the environment lacks, each named with the variable that provides it.
    static func missing(_ requirements: [Requirement], in env: [String: String] = env) -> [String] {
        var missing: [String] = []
        func add(_ names: [String]) { missing += names.filter { !missing.contains($0) } }
        for requirement in requirements {
            switch requirement {
            case .services:
                add(["DATABASE_URL", "REDIS_URL", "RABBITMQ_URL"].filter { env[$0]?.isEmpty ?? true })
                add(missingExecutables(in: env))
            case .executables:
                add(missingExecutables(in: env))
            case .repositoryRoot:
                add(env["TABLEORDER_REPO_ROOT"]?.isEmpty ?? true ? ["TABLEORDER_REPO_ROOT"] : [])
            }
        }
        return missing
    }

    /// The executables not found, named with where they were looked for.
    private static func missingExecutables(in env: [String: String]) -> [String] {
        guard let dir = binDirectory(in: env) else {
            return ["TABLEORDER_BIN_DIR (no tableorder-api beside the test bundle either)"]
        }
        return ["tableorder-api", "tableorder-worker"]
            .filter { !FileManager.default.isExecutableFile(atPath: "\(dir)/\($0)") }
            .map { "\($0) in \(dir)" }
    }

    /// For a suite's `.enabled(if:)`: true when everything it needs is here. When something is missing:
    /// false (the suite is skipped) without `TABLEORDER_INTEGRATION=1`; with it, an error naming what is
    /// missing, which Swift Testing records as the suite's failure (its tests do not start, so none of
    /// them traps on an absent URL and takes the whole run down).
    static func requires(_ requirements: Requirement...) throws -> Bool {
        try requires(requirements, in: env)
    }

    static func requires(_ requirements: [Requirement], in env: [String: String]) throws -> Bool {
        let missing = missing(requirements, in: env)
        if missing.isEmpty { return true }
        guard isRequired(in: env) else { return false }
        throw MissingEnvironment(missing: missing)
    }

    struct MissingEnvironment: Error, CustomStringConvertible {
        let missing: [String]
        var description: String {
            "TABLEORDER_INTEGRATION=1 but the integration environment is incomplete, missing: "
                + missing.joined(separator: ", ") + " (run ./ops/test.sh, or source the env written by ops/services.sh start)"
        }
    }

    /// Whether the suites that need the services should run: they have them, or `TABLEORDER_INTEGRATION=1`
    /// says they must (and then `requires(.services)` fails them, naming what is missing).
    static var isAvailable: Bool { integrationRequired || missing([.services]).isEmpty }

    static var binDirectory: String? { binDirectory(in: env) }

    static func binDirectory(in env: [String: String]) -> String? {
        if let dir = env["TABLEORDER_BIN_DIR"], !dir.isEmpty { return dir }
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
        let process = try await Spawned(path, arguments, environment: environment ?? env, output: output)
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
