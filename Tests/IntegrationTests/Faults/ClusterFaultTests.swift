#if canImport(TableOrderRabbitMQ)
import Foundation
@testable import TableOrderCore
import TableOrderProcesses
import TableOrderStorage
import Testing

/// Faults in clustered services (issue 17): a RabbitMQ node lost under load, a Redis primary lost under
/// load with Sentinel, and a broker that blocks its publishers. `./ops/test.sh` starts the 3-node cluster
/// (`ops/rabbitmq-cluster.sh`) and the Sentinel set (`ops/redis-sentinel.sh`) and runs these in the fault
/// phase, one at a time: the alarm blocks the shared broker, and the load needs the machine.
@Suite(
    .serialized,
    .enabled(if: try TestEnvironment.env["TABLEORDER_FAULTS"] == "1" && TestEnvironment.requires(.services), "run by ./ops/test.sh"))
struct ClusterFaultTests {
    static let load = ["RATE_LIMIT": "1000000"]

    /// The directory of a clustered service set, required once the fault phase runs.
    static func directory(_ variable: String) throws -> String {
        guard let dir = TestEnvironment.env[variable], !dir.isEmpty else {
            throw TestFailure("\(variable) is not set: ./ops/test.sh faults starts the clusters and exports it")
        }
        return dir
    }

    /// Runs one of the cluster scripts; returns the last line it printed (its answer: the log lines,
    /// on standard error, come first in the shared output file).
    static func script(_ name: String, _ arguments: [String]) async throws -> String {
        let root = TestEnvironment.env["TABLEORDER_REPO_ROOT"] ?? FileManager.default.currentDirectoryPath
        let result = try await TestEnvironment.run("/bin/bash", ["\(root)/ops/\(name)"] + arguments)
        guard result.status == 0 else { throw TestFailure("ops/\(name) \(arguments.joined(separator: " ")): \(result.out)") }
        return result.out.split(separator: "\n").last { !$0.hasPrefix("[") }.map(String.init) ?? ""
    }

    @Test func rabbitMQNodeLeadingTheCommandQueueStoppedUnderLoad() async throws {
        let dir = try Self.directory("TO_CLUSTER_DIR")
        let vhost = "cluster-\(UUID().uuidString.prefix(8).lowercased())"
        let url = try await Self.script("rabbitmq-cluster.sh", ["vhost", vhost, dir])
        #expect(url.hasPrefix("amqp://"))
        var environment = Self.load
        environment["RABBITMQ_URL"] = url
        let cluster = try await Cluster.start(apis: 1, workers: 1, environment: environment)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 4)
        let load = try await cluster.orderLoad(store, tables: 4)
        let steady = Task { await load.run(total: 1200, concurrency: 4, pause: .milliseconds(20)) }
        _ = try await Cluster.eventually(timeout: .seconds(60), "orders being persisted before the stop") {
            try await cluster.persistedOrders(store).rows >= 100 ? true : nil
        }
        let leader = try await Self.script("rabbitmq-cluster.sh", ["leader", Topology.commandQueue, vhost, dir])
        let node = try #require(leader.split(separator: " ").first.map(String.init))
        let stopped = ContinuousClock.now
        _ = try await Self.script("rabbitmq-cluster.sh", ["stop-node", node, dir])
        let persistedAtStop = try await cluster.persistedOrders(store).rows
        // The API is back on 202 once its publisher is on another node and the queue has a new leader.
        let back = try await Cluster.eventually(timeout: .seconds(30), "a 202 after the leader's node stopped") {
            await load.post(100_000).status == 202 ? stopped.duration(to: .now) : nil
        }
        let newLeader = try await Self.script("rabbitmq-cluster.sh", ["leader", Topology.commandQueue, vhost, dir])
        try await Task.sleep(for: .seconds(3))
        _ = try await Self.script("rabbitmq-cluster.sh", ["start-node", node, dir])
        let outcomes = await steady.value
        let report = try await cluster.report("rabbitmq node \(leader) stopped (new leader \(newLeader))", store, outcomes)
        print("fault rabbitmq cluster: first 202 \(back) after the stop of the leader's node")
        #expect(persistedAtStop < 1200, "the load was still running when the node stopped")
        #expect(!newLeader.hasPrefix(node + " "), "the queue has another leader")
        #expect(outcomes.allSatisfy { $0.status == 202 || ($0.status == 503 && ($0.retryAfter ?? 0) >= 1) }, "only 202 or 503 + Retry-After")
        #expect(back < .seconds(15), "the API is back on 202 within seconds")
        #expect(report.unanswered == 0)
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)
    }

    @Test func redisPrimaryStoppedUnderLoadWithSentinels() async throws {
        let dir = try Self.directory("TO_SENTINEL_DIR")
        let env = TestEnvironment.env
        var environment = Self.load
        for (name, source) in [
            ("REDIS_URL", "TO_SENTINEL_REDIS_URL"), ("REDIS_SENTINELS", "TO_SENTINELS"),
            ("REDIS_SENTINEL_MASTER", "TO_SENTINEL_MASTER"),
        ] {
            guard let value = env[source], !value.isEmpty else { throw TestFailure("\(source) is not set (ops/redis-sentinel.sh's env)") }
            environment[name] = value
        }
        let cluster = try await Cluster.start(apis: 2, workers: 1, environment: environment, ownQueue: true)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 4)
        let admin = try await cluster.adminToken(store)
        let stream = try await SSEClient.open(cluster.baseURL(1), token: admin)
        defer { stream.close() }
        let load = try await cluster.orderLoad(store, tables: 4, apis: 2)
        let steady = Task { await load.run(total: 600, concurrency: 4, pause: .milliseconds(20)) }
        _ = await stream.waitFor(timeout: .seconds(60)) { $0.count >= 50 }
        let primary = try await Self.script("redis-sentinel.sh", ["stop-primary", dir])
        let promoted = try await Self.script("redis-sentinel.sh", ["await-failover", primary, dir])
        let outcomes = await steady.value
        _ = try await Self.script("redis-sentinel.sh", ["start-server", primary, dir])
        let report = try await cluster.report("redis primary \(primary) stopped (now \(promoted))", store, outcomes)
        let accepted = report.accepted
        let created = await stream.waitFor(timeout: .seconds(60)) { events in
            Set(events.filter { $0.event == "order_created" }.compactMap(\.orderID)).isSuperset(of: accepted)
        }.filter { $0.event == "order_created" }.compactMap(\.orderID)
        print("fault redis sentinel: \(created.count) order_created events for \(accepted.count) accepted orders")
        #expect(outcomes.allSatisfy { $0.status == 202 }, "orders keep flowing: the limiter fails open, the cache is bypassed")
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)
        #expect(Set(created) == accepted, "the admin's stream has every accepted order")
        #expect(created.count == Set(created).count, "each exactly once")
        let ids = stream.received.compactMap(\.id)
        #expect(ids == Array(ids.sorted()) && Set(ids).count == ids.count, "event ids in order, none repeated")
    }

    @Test func brokerMemoryAlarmGives503sThen202s() async throws {
        let cluster = try await Cluster.start(apis: 1, workers: 1, environment: Self.load, ownQueue: true)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 2)
        let load = try await cluster.orderLoad(store, tables: 2)
        let before = await load.run(total: 10, concurrency: 2)
        try await Alarm.set()
        let during: [Outcome]
        do {
            // The broker blocks a connection when it next publishes: from then on every request is refused.
            _ = try await Cluster.eventually(timeout: .seconds(20), "a 503 while the broker blocks publishers") {
                let outcome = await load.post(0)
                return outcome.status == 503 ? outcome : nil
            }
            during = await load.run(total: 20, concurrency: 4)
        } catch {
            try await Alarm.clear()
            throw error
        }
        try await Alarm.clear()
        let cleared = ContinuousClock.now
        let back = try await Cluster.eventually(timeout: .seconds(20), "a 202 after the alarm cleared") {
            await load.post(1).status == 202 ? cleared.duration(to: .now) : nil
        }
        let after = await load.run(total: 10, concurrency: 2)
        let report = try await cluster.report("memory alarm", store, before + during + after)
        print("fault memory alarm: 503s in \(during.map(\.latency).max() ?? .zero) at most; first 202 \(back) after the clear")
        #expect(during.allSatisfy { $0.status == 503 && ($0.retryAfter ?? 0) >= 1 }, "blocked: 503 + Retry-After")
        #expect(during.allSatisfy { $0.latency < .milliseconds(3500) }, "within the publish budget, not queued")
        #expect(after.allSatisfy { $0.status == 202 })
        #expect(report.lost.isEmpty)
        #expect(report.duplicated == 0)
    }

    /// The shared broker's memory alarm (`ops/services.sh alarm`).
    enum Alarm {
        static func set() async throws { try await run("set") }
        static func clear() async throws { try await run("clear") }
        static func run(_ action: String) async throws {
            let root = TestEnvironment.env["TABLEORDER_REPO_ROOT"] ?? FileManager.default.currentDirectoryPath
            let result = try await TestEnvironment.run("/bin/bash", ["\(root)/ops/services.sh", "alarm", action, "memory"])
            guard result.status == 0 else { throw TestFailure("alarm \(action): \(result.out)") }
        }
    }
}
#endif
