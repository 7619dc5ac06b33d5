import Foundation
import NIOHTTP1
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// Contract §1 "Modes": with no configuration, `tableorder-api` alone is the whole system.
@Suite(.enabled(if: try TestEnvironment.requires(.executables), "needs the built executables"))
struct DevelopmentModeTests {
    /// The environment of a newcomer: nothing set but a port and a fresh directory for the SQLite file.
    static func bareEnvironment(port: Int, sqlitePath: String) -> [String: String] {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HTTP_PORT": String(port)]
        env["TABLEORDER_SQLITE_PATH"] = sqlitePath
        return env
    }

    /// `tableorder-api` as a newcomer starts it, on a free port with a fresh SQLite file.
    static func startBareAPI() async throws -> (api: ManagedProcess, http: TestHTTP) {
        let port = TestEnvironment.freePort()
        let path = NSTemporaryDirectory() + "tableorder-dev-\(UUID().uuidString.prefix(8))/tableorder.sqlite"
        let api = try await ManagedProcess(
            name: "api-dev", executable: TestEnvironment.binary("tableorder-api"),
            environment: bareEnvironment(port: port, sqlitePath: path))
        return (api, TestHTTP(baseURL: "http://127.0.0.1:\(port)"))
    }

    @Test func thePrintedCurlLinesShowAnOrderArrivingOnTheStream() async throws {
        let (api, _) = try await Self.startBareAPI()
        defer { api.terminate() }
        let output = try await Cluster.eventually(timeout: .seconds(120), "the introduction") {
            api.output.contains("Place an order") && api.output.contains("Server started") ? api.output : nil
        }
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let streamLine = try #require(lines.first { $0.hasPrefix("curl -N") })
        let orderLine = try #require(lines.first { $0.hasPrefix("curl -X POST") && $0.contains("/api/orders") })
        #expect(output.contains("admin:  admin / "))

        // Paste them as they are, through a shell, like a newcomer would.
        let stream = try await ManagedProcess(name: "curl-stream", executable: "/bin/sh", arguments: ["-c", streamLine + " -s"], environment: ProcessInfo.processInfo.environment)
        defer { stream.kill() }
        // The stream is open once its first line (`retry:`) has arrived.
        _ = try await Cluster.eventually(timeout: .seconds(10), "the stream open") {
            stream.output.contains("retry: ") ? true : nil
        }
        let posted = try await TestEnvironment.run("/bin/sh", ["-c", orderLine + " -s"])
        #expect(posted.out.contains("\"order_id\""), "\(posted.out) \(posted.err)")
        let started = ContinuousClock.now
        let received = try await Cluster.eventually(timeout: .seconds(5), "order_created on the stream") {
            stream.output.contains("event: order_created") ? stream.output : nil
        }
        #expect(started.duration(to: .now) < .seconds(2))
        #expect(received.hasPrefix("retry: 3000"))

        // A login with the printed password works too.
        let loginLine = try #require(lines.first { $0.contains("/api/auth/admin/login") })
        let login = try await TestEnvironment.run("/bin/sh", ["-c", loginLine + " -s"])
        #expect(login.out.contains("access_token"))
    }

    @Test func restartingKeepsTheDataAndTheEventLog() async throws {
        let cluster = try await Cluster.start(.development)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let table = try await cluster.tableToken(store)
        let first = try await cluster.placeOrder(store, token: table)
        let second = try await cluster.placeOrder(store, token: table)
        _ = try await Cluster.eventually("both persisted") {
            try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]) == 2 ? true : nil
        }
        await cluster.stopAPIs()
        try await cluster.startAPI()

        let admin = try await cluster.adminToken(store)
        #expect(try await cluster.http().get("/api/orders/\(first)", token: table).status == 200)
        let snapshot = try await cluster.http().get("/api/admin/orders", token: admin).json
        #expect(snapshot["last_event_id"] as? Int == 2)
        let replay = try await SSEClient.open(cluster.baseURL(), token: admin, lastEventID: 0)
        defer { replay.close() }
        let events = await replay.waitFor { $0.count >= 2 }
        #expect(events.map(\.id) == [1, 2])
        #expect(events.compactMap { ($0.json["order"] as? [String: Any])?["order_id"] as? String } == [first, second])
        // Ids go on from where they were.
        _ = try await cluster.placeOrder(store, token: table)
        #expect(await replay.waitFor { $0.count >= 3 }.last?.id == 3)
        // The demo store was seeded on the first start and not again.
        #expect(try await cluster.count("SELECT count(*) FROM stores WHERE id = 'demo'") == 1)
    }
}
