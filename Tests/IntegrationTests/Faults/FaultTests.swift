#if canImport(TableOrderRabbitMQ)
import Foundation
import NIOHTTP1
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// Faults injected into real processes and services, each scenario counting what it sent and what was
/// persisted. They stop shared services, so they run one at a time, after the other suites
/// (`./ops/test.sh` runs them as a second phase with `TABLEORDER_FAULTS=1`).
@Suite(
    .serialized,
    .enabled(if: try TestEnvironment.env["TABLEORDER_FAULTS"] == "1" && TestEnvironment.requires(.services), "run by ./ops/test.sh"))
struct FaultTests {
    static let load = ["RATE_LIMIT": "1000000"]

    @Test func workerKilledMidBurstLosesNothingAndDuplicatesNothing() async throws {
        let cluster = try await Cluster.start(apis: 1, workers: 1, environment: Self.load)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 10)
        let load = try await cluster.orderLoad(store, tables: 10)
        let burst = Task { await load.run(total: 1000, concurrency: 32) }
        // Kill the worker once it is busy with the burst, then start another.
        _ = try await Cluster.eventually(timeout: .seconds(60), "orders being persisted") {
            try await cluster.persistedOrders(store).rows >= 200 ? true : nil
        }
        cluster.workers[0].kill()
        await cluster.workers[0].exited()
        try await cluster.startWorker()
        let outcomes = await burst.value
        let report = try await cluster.report("worker SIGKILL", store, outcomes)
        #expect(outcomes.count == 1000)
        #expect(report.accepted.count == 1000, "the API never depended on the worker")
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)
        #expect(report.persisted.count == report.accepted.count)
        #expect(try await cluster.count("SELECT count(*) FROM events WHERE store_id = ?", [.text(store.storeID)]) == 1000)
    }

    @Test func brokerOutageGives503sThen202sAndLosesNothing() async throws {
        let cluster = try await Cluster.start(apis: 1, workers: 1, environment: Self.load)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 4)
        let load = try await cluster.orderLoad(store, tables: 4)
        let steady = Task { await load.run(total: 600, concurrency: 4, pause: .milliseconds(40)) }
        try await Task.sleep(for: .seconds(2))
        try await Outage.down("rabbitmq")
        let outage = ContinuousClock.now
        async let apiReady = Self.readyz(cluster.http(), naming: "rabbitmq", within: .seconds(4))
        async let workerReady = Self.readyz(TestHTTP(baseURL: "http://127.0.0.1:\(cluster.workerPorts[0])"), naming: "rabbitmq", within: .seconds(4))
        let readiness = await [("api", apiReady), ("worker", workerReady)]
        try await Task.sleep(until: outage + .seconds(5), clock: .continuous)
        try await Outage.up("rabbitmq")
        let back = ContinuousClock.now
        let first202 = try await Cluster.eventually(timeout: .seconds(15), "a 202 after the broker's return") {
            let outcome = await load.post(1)
            return outcome.status == 202 ? back.duration(to: .now) : nil
        }
        let outcomes = await steady.value
        let report = try await cluster.report("rabbitmq stopped", store, outcomes)
        print("fault rabbitmq stopped: first 202 \(first202) after the broker's return")
        #expect(report.serverErrors.allSatisfy { $0.status == 503 && ($0.retryAfter ?? 0) >= 1 }, "only 503s with Retry-After")
        #expect(report.serverErrors.count > 0, "the outage was seen")
        for (name, ready) in readiness { Self.expectReadyzNamesOnly(ready, "rabbitmq", name) }
        #expect(outcomes.allSatisfy { $0.latency < .milliseconds(3500) }, "every answer within the 3 s budget")
        #expect(report.unanswered == 0)
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)
    }

    @Test func databaseOutageIsRetriedAndPoisonIsDeadLettered() async throws {
        let cluster = try await Cluster.start(apis: 1, workers: 1, environment: Self.load)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 4)
        let admin = try await cluster.adminToken(store)
        let load = try await cluster.orderLoad(store, tables: 4)
        let before = await load.run(total: 20, concurrency: 4)
        _ = try await cluster.report("before the database outage", store, before)

        try await Outage.down("postgres")
        // The API validates against the cached menu and queues: orders are accepted while the database is away.
        let during = await load.run(total: 50, concurrency: 4)
        // Reads that need the database get a 503 the client can retry, not a 500 or a request held open
        // until PostgresNIO's pool gives up a minute later (the test client's deadline is 15 s).
        let reads: [(String, @Sendable () async throws -> HTTPResult)] = [
            ("admin login", {
                try await cluster.http().post(
                    "/api/auth/admin/login",
                    json: ["store_id": store.storeID, "username": "admin", "password": store.adminPassword])
            }),
            ("uncached order list", { try await cluster.http().get("/api/admin/orders?status=completed", token: admin) }),
            ("tables", { try await cluster.http().get("/api/admin/tables", token: admin) }),
        ]
        for (name, read) in reads {
            let start = ContinuousClock.now
            let result = try await read()
            print("fault postgres stopped: \(name) → \(result.status) in \(start.duration(to: .now))")
            #expect(result.status == 503 && (result.retryAfter ?? 0) >= 1, "\(name): \(result.status) \(result.text)")
            #expect((result.json["error"] as? [String: Any])?["code"] as? String == "SERVICE_UNAVAILABLE")
        }
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        #expect(stream.status == 503 && stream.headers.first(name: "Retry-After") != nil, "a stream cannot start without the log")
        stream.close()
        let workerReady = try await TestHTTP(baseURL: "http://127.0.0.1:\(cluster.workerPorts[0])").get("/readyz")
        let probed = ContinuousClock.now
        let apiReady = await Self.readyz(cluster.http(), naming: "postgres", within: .seconds(3))
        try await Task.sleep(until: probed + .seconds(3), clock: .continuous)
        try await Outage.up("postgres")
        let report = try await cluster.report("postgres stopped", store, before + during)
        #expect(during.filter { $0.status == 202 }.count == 50)
        #expect(workerReady.status == 503 && workerReady.text.contains("postgres"))
        Self.expectReadyzNamesOnly(workerReady, "postgres", "worker")
        Self.expectReadyzNamesOnly(apiReady, "postgres", "api")
        let login = try await Cluster.eventually("admin login once postgres is back") {
            let result = try await reads[0].1()
            return result.status == 200 ? result : nil
        }
        #expect(login.json["access_token"] is String)
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)

        // A poison message and a command that can never apply go to the dead-letter queue; work behind them flows.
        try await RawCommands.publish(Array("{not json".utf8))
        let impossible = CommandEnvelope(
            command: .deleteOrder(DeleteOrder(orderID: UUID().lowercased, storeID: store.storeID)))
        try await RawCommands.publish(try JSON.encode(impossible))
        let after = await load.run(total: 10, concurrency: 2)
        let afterReport = try await cluster.report("after poison", store, after)
        #expect(afterReport.lost.isEmpty)
        let deadLetters = try await Cluster.eventually("dead letters") {
            let count = try await RawCommands.deadLetterCount()
            return count >= 2 ? count : nil
        }
        print("fault poison: dead-lettered \(deadLetters)")
        let metrics = try await TestHTTP(baseURL: "http://127.0.0.1:\(cluster.workerPorts[0])").get("/metrics").text
        #expect(metrics.contains("tableorder_worker_commands_dead_lettered_total 2"))
    }

    @Test func redisOutageKeepsOrdersFlowingAndStreamsWhole() async throws {
        let cluster = try await Cluster.start(apis: 1, workers: 1, environment: Self.load)
        defer { cluster.stop() }
        try await cluster.startAPI(extra: ["RATE_LIMIT_FAIL_CLOSED": "true"])  // the second API fails closed
        let store = try await cluster.seedStore(tables: 2)
        let admin = try await cluster.adminToken(store)
        let load = try await cluster.orderLoad(store, tables: 2)
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        let before = await load.run(total: 5, concurrency: 1)
        await stream.waitFor { $0.count >= 5 }

        try await Outage.down("redis")
        let during = await load.run(total: 10, concurrency: 2)
        let closed = try await cluster.http(1).get("/api/admin/tables", token: admin)
        let menus = try await cluster.http().get("/api/stores/\(store.storeID)/menus")
        let snapshot = try await cluster.http().get("/api/admin/orders", token: admin)
        let probed = ContinuousClock.now
        async let apiReady = Self.readyz(cluster.http(0), naming: "redis", within: .seconds(5))
        async let closedAPIReady = Self.readyz(cluster.http(1), naming: "redis", within: .seconds(5))
        let readiness = await [("api", apiReady), ("api failing closed", closedAPIReady)]
        try await Task.sleep(until: probed + .seconds(2), clock: .continuous)
        try await Outage.up("redis")
        let report = try await cluster.report("redis stopped", store, before + during)
        #expect(during.allSatisfy { $0.status == 202 }, "the rate limiter fails open, menus come from the database")
        #expect(menus.status == 200 && snapshot.status == 200, "reads bypass the cache")
        #expect(closed.status == 503 && (closed.retryAfter ?? 0) >= 1, "RATE_LIMIT_FAIL_CLOSED=true refuses instead")
        for (name, ready) in readiness { Self.expectReadyzNamesOnly(ready, "redis", name) }
        #expect(report.lost.isEmpty)
        // The stream resubscribes and fills what pub/sub missed from the event log: no gap.
        let events = await stream.waitFor(timeout: .seconds(20)) { $0.count >= 15 }
        #expect(events.map(\.id) == Array(1...15).map { Int64($0) })
        let metrics = try await cluster.http().get("/metrics").text
        #expect(metrics.contains("tableorder_rate_limiter_failures_total"))
    }

    /// `/readyz` during an outage, polled until it names `dependency` or `within` has passed (the last
    /// answer then). Never throws: the outage must end whatever the probe finds.
    static func readyz(_ http: TestHTTP, naming dependency: String, within: Duration) async -> HTTPResult? {
        let deadline = ContinuousClock.now + within
        var last: HTTPResult?
        while ContinuousClock.now < deadline {
            if let result = try? await http.get("/readyz") {
                last = result
                if result.status == 503, result.text.contains(dependency) { return result }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    /// v1.1 §9: the 503 of `/readyz` names the dependency that is down and nothing more.
    static func expectReadyzNamesOnly(
        _ result: HTTPResult?, _ dependency: String, _ process: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let result else {
            Issue.record("\(process): /readyz did not answer during the \(dependency) outage", sourceLocation: sourceLocation)
            return
        }
        print("fault \(dependency) stopped: \(process) /readyz → \(result.status) \(result.text)")
        HardeningTests.expectReadyzNamesOnly(result, dependency, sourceLocation: sourceLocation)
    }

    @Test func sigtermDrainsAndARollingRestartLosesNothing() async throws {
        let cluster = try await Cluster.start(apis: 2, workers: 2, environment: Self.load)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 6)
        let admin = try await cluster.adminToken(store)
        let load = try await cluster.orderLoad(store, tables: 6, apis: 2)
        let stream = try await SSEClient.open(cluster.baseURL(0), token: admin)
        let steady = Task { await load.run(total: 800, concurrency: 6, pause: .milliseconds(20)) }
        var exits: [(String, Int32, Duration)] = []
        for index in 0..<2 {
            try await Task.sleep(for: .seconds(1))
            let start = ContinuousClock.now
            let status = await cluster.restartAPI(index)
            exits.append(("api \(index)", status, start.duration(to: .now)))
        }
        for index in 0..<2 {
            try await Task.sleep(for: .seconds(1))
            let start = ContinuousClock.now
            let status = await cluster.restartWorker(index)
            exits.append(("worker \(index)", status, start.duration(to: .now)))
        }
        let outcomes = await steady.value
        let report = try await cluster.report("rolling restart", store, outcomes)
        for (name, status, took) in exits {
            print("fault rolling restart: \(name) exited \(status) after SIGTERM in \(took)")
            #expect(status == 0, "\(name) exits 0 after draining")
            #expect(took < .seconds(10), "\(name) drains within 10 s")
        }
        #expect(stream.isFinished, "the SSE stream of the stopped API ended cleanly")
        #expect(report.serverErrors.allSatisfy { $0.status == 503 && ($0.retryAfter ?? 0) >= 1 })
        #expect(report.unanswered == 0)
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)
    }
}
#endif
