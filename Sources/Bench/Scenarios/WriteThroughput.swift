import Foundation

/// (a) `POST /api/orders` under wrk: closed-loop load, `connections` at once, fresh Idempotency-Keys.
struct WriteThroughput {
    struct Result: Codable {
        var connections: Int
        var seconds: Double
        var requests: Int
        var requestsPerSecond: Double
        var p50Ms: Double
        var p99Ms: Double
        var non202: Int
        var socketErrors: Int
        /// The API process's CPU time (user + system) over the phase, per order it accepted (202).
        var apiCPUMicrosecondsPerOrder: Double

        enum CodingKeys: String, CodingKey {
            case connections, seconds, requests
            case apiCPUMicrosecondsPerOrder = "api_cpu_us_per_order"
            case requestsPerSecond = "requests_per_second"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case non202 = "non_202"
            case socketErrors = "socket_errors"
        }
    }

    let env: BenchEnvironment
    let store: BenchStore

    func run(connections: Int, duration: Int, apiPID: Int32) async throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["BENCH_TOKENS"] = store.tableTokens.joined(separator: ",")
        environment["BENCH_BODY"] = String(decoding: store.orderBody(), as: UTF8.self)
        let threads = min(2, connections)
        let cpuBefore = ProcessCPU.microseconds(pid: apiPID)
        let result = try await ChildProcess.run(
            "/usr/bin/wrk",
            [
                "-t\(threads)", "-c\(connections)", "-d\(duration)s", "--timeout", "10s", "-s",
                "\(env.repoRoot)/ops/bench/orders.lua", env.apiBase,
            ], environment: environment, logDirectory: env.workDirectory)
        guard result.status == 0,
            let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("BENCH_JSON ") })
        else { throw BenchError("wrk failed:\n\(result.output)") }
        struct Summary: Decodable {
            var requests: Int
            var duration_us: Int
            var p50_us: Int
            var p99_us: Int
            var non202: Int
            var socket_errors: Int
        }
        let cpuAfter = ProcessCPU.microseconds(pid: apiPID)
        let summary = try JSONDecoder().decode(Summary.self, from: Data(line.dropFirst("BENCH_JSON ".count).utf8))
        guard let cpuBefore, let cpuAfter else { throw BenchError("cannot read the API's CPU time from /proc/\(apiPID)/stat") }
        let accepted = max(summary.requests - summary.non202, 1)
        let seconds = Double(summary.duration_us) / 1_000_000
        return Result(
            connections: connections, seconds: seconds, requests: summary.requests,
            requestsPerSecond: Double(summary.requests) / seconds, p50Ms: Double(summary.p50_us) / 1000,
            p99Ms: Double(summary.p99_us) / 1000, non202: summary.non202, socketErrors: summary.socket_errors,
            apiCPUMicrosecondsPerOrder: Double(cpuAfter - cpuBefore) / Double(accepted))
    }
}
