import Foundation
import TableOrderCore

/// Redis's own request rate on this machine, from `redis-benchmark` (50 clients, SET and GET).
struct RedisReference {
    struct Result: Codable {
        var setPerSecond: Double
        var getPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case setPerSecond = "set_per_second"
            case getPerSecond = "get_per_second"
        }
    }

    let url: RedisURL
    let workDirectory: String

    func run(requests: Int) async throws -> Result {
        var arguments = ["-h", url.host, "-p", String(url.port), "-c", "50", "-n", String(requests), "-t", "set,get", "--csv"]
        if let password = url.password { arguments += ["-a", password] }
        let output = try await ChildProcess.run(
            "/usr/bin/redis-benchmark", arguments, environment: ProcessInfo.processInfo.environment,
            logDirectory: workDirectory)
        guard output.status == 0 else { throw BenchError("redis-benchmark: \(output.output)") }
        func rate(_ test: String) throws -> Double {
            for line in output.output.split(separator: "\n") {
                let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                if fields.count > 1, fields[0] == test, let value = Double(fields[1]) { return value }
            }
            throw BenchError("redis-benchmark printed no \(test) rate:\n\(output.output)")
        }
        return Result(setPerSecond: try rate("SET"), getPerSecond: try rate("GET"))
    }
}
