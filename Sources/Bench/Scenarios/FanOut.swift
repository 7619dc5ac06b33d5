import Foundation
import NIOConcurrencyHelpers

/// (d) One process holding many streams: resident memory per stream, and how long one event takes to
/// reach all of them. Run against our API (a status change, through queue, worker, database and Redis)
/// and against nginx + nchan (a publish straight into its memory), with the same subscribers.
struct FanOut {
    struct Result: Codable {
        var server: String
        var streams: Int
        var broadcasts: Int
        var residentKiBBefore: Int
        var residentKiBConnected: Int
        /// After the broadcasts: servers keep per-connection buffers once they have written to them.
        var residentKiBAfter: Int
        var kibPerStream: Double
        var latency: LatencySummary
        var missed: Int

        enum CodingKeys: String, CodingKey {
            case server, streams, broadcasts, latency, missed
            case residentKiBBefore = "resident_kib_before"
            case residentKiBConnected = "resident_kib_connected"
            case residentKiBAfter = "resident_kib_after"
            case kibPerStream = "kib_per_stream"
        }
    }

    /// The event a round waits for (a substring of its frame) and when each stream saw it.
    final class Round: Sendable {
        private struct State {
            var marker = "\u{0}"
            var receivedAt: [UInt64] = []
        }
        private let state: NIOLockedValueBox<State>

        init(streams: Int) { state = NIOLockedValueBox(State(receivedAt: Array(repeating: 0, count: streams))) }

        func begin(marker: String) {
            state.withLockedValue { $0.marker = marker; $0.receivedAt = Array(repeating: 0, count: $0.receivedAt.count) }
        }

        func observe(connection: Int, frame: String, at time: UInt64) {
            state.withLockedValue { state in
                if state.receivedAt[connection] == 0, frame.contains(state.marker) { state.receivedAt[connection] = time }
            }
        }

        var received: Int { state.withLockedValue { $0.receivedAt.count(where: { $0 != 0 }) } }
        var times: [UInt64] { state.withLockedValue { $0.receivedAt.filter { $0 != 0 } } }

        /// Waits until every stream saw the marker or `timeout` passes.
        func wait(timeout: Duration) async throws {
            let deadline = ContinuousClock.now + timeout
            let streams = state.withLockedValue { $0.receivedAt.count }
            while received < streams, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    let streams: Int
    let broadcasts: Int

    /// Our API: `broadcasts` orders, each first created (its `order_created` also reaches every stream, which
    /// shows it is stored), then moved to `preparing`; timed from the PATCH to each stream's event.
    func runAPI(env: BenchEnvironment, store: BenchStore, apiPID: Int32) async throws -> Result {
        let round = Round(streams: streams)
        let fleet = SSEFleet(threads: 1) { connection, frame, time in round.observe(connection: connection, frame: frame, at: time) }
        let before = ProcessMemory.residentKiB(pid: apiPID) ?? 0
        try await fleet.connect(
            count: streams, host: "127.0.0.1", port: env.apiPort, path: "/api/admin/orders/stream",
            headers: [("Authorization", "Bearer \(store.adminToken)")])
        try await Task.sleep(for: .seconds(1))
        let connected = ProcessMemory.residentKiB(pid: apiPID) ?? 0
        var latencies: [UInt64] = []
        var missed = 0
        for n in 0..<broadcasts {
            round.begin(marker: "fanout-\(n)-")
            let created = try await BenchHTTP.request(
                "\(env.apiBase)/api/orders", method: .POST, token: store.tableTokens[n % store.tableTokens.count],
                body: store.orderBody(note: "fanout-\(n)-"))
            guard created.status == 202, let orderID = created.json["order_id"] as? String else {
                throw BenchError("order for the broadcast refused: \(created.status)")
            }
            try await round.wait(timeout: .seconds(30))
            round.begin(marker: "\"order_id\":\"\(orderID)\"")
            let sentAt = monotonicNanoseconds()
            let moved = try await BenchHTTP.request(
                "\(env.apiBase)/api/admin/orders/\(orderID)/status", method: .PATCH, token: store.adminToken,
                json: ["status": "preparing"])
            guard moved.status == 202 else { throw BenchError("status change refused: \(moved.status)") }
            try await round.wait(timeout: .seconds(30))
            latencies += round.times.map { $0 &- sentAt }
            missed += streams - round.received
        }
        let after = ProcessMemory.residentKiB(pid: apiPID) ?? 0
        let open = fleet.open
        await fleet.close()
        guard open == streams else { throw BenchError("only \(open) of \(streams) streams stayed open") }
        return result(server: "tableorder-api", before: before, connected: connected, after: after, latencies: latencies, missed: missed)
    }

    /// nginx + nchan, one worker process, EventSource subscribers on one channel; timed from the publish.
    func runNchan(env: BenchEnvironment) async throws -> Result {
        let script = "\(env.repoRoot)/ops/bench/nchan.sh"
        let directory = "\(env.workDirectory)/nchan"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let environment = ProcessInfo.processInfo.environment
        let started = try await ChildProcess.run(
            script, ["start", directory, String(env.nchanPort)], environment: environment, logDirectory: env.workDirectory)
        guard started.status == 0 else { throw BenchError("nchan: \(started.output)") }
        let pidText = try await ChildProcess.run(script, ["pid", directory], environment: environment, logDirectory: env.workDirectory)
        guard let pid = pidText.output.split(whereSeparator: \.isWhitespace).first.flatMap({ Int32($0) }) else {
            throw BenchError("nchan worker pid: \(pidText.output)")
        }
        let round = Round(streams: streams)
        let fleet = SSEFleet(threads: 1) { connection, frame, time in round.observe(connection: connection, frame: frame, at: time) }
        let before = ProcessMemory.residentKiB(pid: pid) ?? 0
        try await fleet.connect(count: streams, host: "127.0.0.1", port: env.nchanPort, path: "/sub/bench", headers: [])
        try await Task.sleep(for: .seconds(1))
        let connected = ProcessMemory.residentKiB(pid: pid) ?? 0
        var latencies: [UInt64] = []
        var missed = 0
        for n in 0..<broadcasts {
            let marker = "fanout-\(n)-\(UUID().uuidString.prefix(8))"
            round.begin(marker: marker)
            let sentAt = monotonicNanoseconds()
            let published = try await BenchHTTP.request(
                "http://127.0.0.1:\(env.nchanPort)/pub/bench", method: .POST, body: Data("{\"marker\":\"\(marker)\"}".utf8))
            guard (200..<300).contains(published.status) else { throw BenchError("nchan publish: \(published.status)") }
            try await round.wait(timeout: .seconds(30))
            latencies += round.times.map { $0 &- sentAt }
            missed += streams - round.received
        }
        let after = ProcessMemory.residentKiB(pid: pid) ?? 0
        await fleet.close()
        _ = try await ChildProcess.run(script, ["stop", directory], environment: environment, logDirectory: env.workDirectory)
        return result(server: "nginx-nchan", before: before, connected: connected, after: after, latencies: latencies, missed: missed)
    }

    private func result(server: String, before: Int, connected: Int, after: Int, latencies: [UInt64], missed: Int)
        -> Result
    {
        Result(
            server: server, streams: streams, broadcasts: broadcasts, residentKiBBefore: before,
            residentKiBConnected: connected, residentKiBAfter: after,
            kibPerStream: Double(max(connected, after) - before) / Double(streams), latency: LatencySummary(nanoseconds: latencies),
            missed: missed)
    }
}
