import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TableOrderCore

/// Everything a scenario needs to reach the services and start our processes.
struct BenchEnvironment: Sendable {
    var binDirectory: String
    var repoRoot: String
    var workDirectory: String
    var databaseURL: String
    var redisURL: String
    var rabbitMQURL: String
    var apiPort: Int
    var workerPorts: [Int]
    var nchanPort: Int

    /// The environment of our processes: production mode, the benchmark's keys, the rate limit out of the way
    /// (the benchmark measures throughput, not refusals), quiet logs.
    func processEnvironment(extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["ENV"] = "production"
        env["DATABASE_URL"] = databaseURL
        env["REDIS_URL"] = redisURL
        env["RABBITMQ_URL"] = rabbitMQURL
        env["JWT_PRIVATE_KEY_FILE"] = "\(workDirectory)/jwt.pem"
        env["JWT_PUBLIC_KEY_FILE"] = "\(workDirectory)/jwt.pub"
        env["RATE_LIMIT"] = "1000000000"
        env["LOGIN_RATE_LIMIT"] = "1000000"
        // The fan-out's thousands of streams are one admin's: the per-user cap would refuse all but five.
        env["SSE_MAX_STREAMS_PER_USER"] = "1000000"
        env["LOG_LEVEL"] = ProcessInfo.processInfo.environment["BENCH_LOG_LEVEL"] ?? "warning"
        for (key, value) in extra { env[key] = value }
        return env
    }

    func binary(_ name: String) -> String { "\(binDirectory)/\(name)" }
    var apiBase: String { "http://127.0.0.1:\(apiPort)" }

    func startAPI() async throws -> ChildProcess {
        var env = processEnvironment()
        env["HTTP_PORT"] = String(apiPort)
        let api = try await ChildProcess(
            name: "api", executable: binary("tableorder-api"), environment: env, logDirectory: workDirectory)
        try await waitReady(port: apiPort, process: api)
        return api
    }

    func startWorker(_ index: Int) async throws -> ChildProcess {
        var env = processEnvironment()
        env["WORKER_METRICS_PORT"] = String(workerPorts[index])
        let worker = try await ChildProcess(
            name: "worker-\(index)", executable: binary("tableorder-worker"), environment: env,
            logDirectory: workDirectory)
        try await waitReady(port: workerPorts[index], process: worker)
        return worker
    }

    func runWorkerCommand(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run(
            binary("tableorder-worker"), arguments, environment: processEnvironment(), logDirectory: workDirectory)
        guard result.status == 0 else { throw BenchError("tableorder-worker \(arguments.joined(separator: " ")): \(result.output)") }
    }

    private func waitReady(port: Int, process: ChildProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw BenchError("\(process.name) exited:\n\(process.output)") }
            if let response = try? await BenchHTTP.request("http://127.0.0.1:\(port)/readyz"),
                response.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("\(process.name) not ready:\n\(process.output)")
    }
}

/// A small HTTP client for set-up calls and the paced end-to-end load.
enum BenchHTTP {
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    struct Answer {
        var status: Int
        var body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    static func request(
        _ url: String, method: HTTPMethod = .GET, token: String? = nil, json: Any? = nil, body: Data? = nil,
        headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let data = try body ?? json.map({ try JSONSerialization.data(withJSONObject: $0) }) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let response = try await shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), body: Array(body.readableBytesView))
    }
}
