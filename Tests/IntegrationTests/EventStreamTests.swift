import Foundation
import NIOHTTP1
import Testing

/// Contract §8 across processes: any pod serves any admin, replay has no gap and no duplicate.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct EventStreamTests {
    @Test func anEventReachesStreamsOnTwoAPIProcesses() async throws {
        let cluster = try await Cluster.start(apis: 2, workers: 1)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let first = try await SSEClient.open(cluster.baseURL(0), token: admin)
        let second = try await SSEClient.open(cluster.baseURL(1), token: admin)
        defer {
            first.close()
            second.close()
        }
        let orderID = try await cluster.placeOrder(store, token: try await cluster.tableToken(store), api: 1)
        for stream in [first, second] {
            let events = await stream.waitFor { $0.contains { $0.event == "order_created" } }
            #expect((events.first?.json["order"] as? [String: Any])?["order_id"] as? String == orderID)
        }
    }

    @Test(arguments: Mode.allCases)
    func reconnectingMidBurstFromTwoWorkersGetsEverythingOnceInOrder(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode, apis: 2, workers: 2)
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 4)
        let admin = try await cluster.adminToken(store)
        var tokens: [String] = []
        for table in 1...4 { tokens.append(try await cluster.tableToken(store, table: table)) }
        let menuID = try await cluster.menus(store)[0]["id"] as! String
        let firstStream = try await SSEClient.open(cluster.baseURL(0), token: admin)
        let total = 80

        // The burst: 80 orders from four tables through both APIs, applied by two workers.
        let burst = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<total {
                    let token = tokens[index % 4]
                    let base = cluster.baseURL(index % 2)
                    group.addTask {
                        let body = Array(try JSONSerialization.data(withJSONObject: ["items": [["menu_id": menuID, "quantity": 1]]]))
                        let result = try await TestHTTP(baseURL: base).request(.POST, "/api/orders", token: token, rawBody: body)
                        guard result.status == 202, let id = result.json["order_id"] as? String else {
                            throw TestFailure("order refused: \(result.status) \(result.text)")
                        }
                        return id
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
        }
        // Drop the first stream in the middle of the burst and reconnect on the other pod.
        await firstStream.waitFor(timeout: .seconds(30)) { $0.count >= 15 }
        firstStream.close()
        let seen = firstStream.received
        let lastID = try #require(seen.last?.id)
        let posted = try await burst.value
        let secondStream = try await SSEClient.open(cluster.baseURL(1), token: admin, lastEventID: lastID)
        defer { secondStream.close() }
        let rest = await secondStream.waitFor(timeout: .seconds(30)) { events in
            events.filter { $0.event == "order_created" }.count >= total - seen.count
        }
        let all = seen + rest
        let ids = all.compactMap(\.id)
        #expect(ids == Array(1...Int64(ids.count)), "ids 1, 2, 3, … with no gap and no duplicate")
        let orders = all.compactMap { ($0.json["order"] as? [String: Any])?["order_id"] as? String }
        #expect(orders.count == total)
        #expect(Set(orders) == posted)
        print("sse burst: sent \(total), 202 \(posted.count), received before drop \(seen.count), after reconnect \(rest.count)")
    }

    @Test func metricsAndReadinessOnAPIAndWorker() async throws {
        let cluster = try await Cluster.start()
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        _ = try await cluster.placeOrder(store, token: try await cluster.tableToken(store))
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        let metrics = try await cluster.http().get("/metrics")
        #expect(metrics.status == 200)
        for name in ["hb_requests", "http_server_request_duration", "tableorder_sse_connections", "tableorder_publish_retries_total"] {
            #expect(metrics.text.contains(name), "\(name) on the API")
        }
        #expect(try await cluster.http().get("/healthz").status == 200)
        #expect(try await cluster.http().get("/readyz").status == 200)
        let worker = TestHTTP(baseURL: "http://127.0.0.1:\(cluster.workerPorts[0])")
        _ = try await Cluster.eventually("the worker counted the order") {
            let text = try await worker.get("/metrics").text
            return text.contains("tableorder_worker_commands_acked_total") ? text : nil
        }
        let workerMetrics = try await worker.get("/metrics").text
        for name in ["tableorder_worker_commands_consumed_total", "tableorder_worker_batch_seconds"] {
            #expect(workerMetrics.contains(name), "\(name) on the worker")
        }
        #expect(try await worker.get("/readyz").status == 200)
    }
}
