import Foundation
import NIOHTTP1
import PostgresNIO
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// Commands, configuration and the parts around the main path.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct InfrastructureTests {
    @Test(arguments: Mode.allCases)
    func migrateTwiceAtOnceAndSeedAgainKeepIDs(mode: Mode) async throws {
        let cluster = Cluster(mode)
        let worker = TestEnvironment.binary("tableorder-worker")
        let env = cluster.environment
        async let first = Task.detached { try await TestEnvironment.run(worker, ["migrate"], environment: env) }.value
        async let second = Task.detached { try await TestEnvironment.run(worker, ["migrate"], environment: env) }.value
        let (a, b) = try await (first, second)
        #expect(a.status == 0 && b.status == 0, "\(a.err) \(b.err)")
        #expect(try await cluster.count("SELECT count(*) FROM schema_migrations WHERE version = 1") == 1)

        let store = try await cluster.seedStore()
        func ids() async throws -> [String] {
            try await cluster.query(
                """
                SELECT id FROM menus WHERE store_id = ? UNION ALL SELECT id FROM categories WHERE store_id = ?
                UNION ALL SELECT id FROM dining_tables WHERE store_id = ? UNION ALL SELECT id FROM admins WHERE store_id = ?
                """, Array(repeating: .text(store.storeID), count: 4)
            ).map { try $0.string(0) }.sorted()
        }
        let before = try await ids()
        let expectedRows = 18  // 10 menus, 4 categories, 3 tables, 1 admin
        #expect(before.count == expectedRows)
        let again = try await TestEnvironment.run(
            worker,
            [
                "seed", "--store-id", store.storeID, "--store-name", "Renamed", "--admin-username", "admin",
                "--admin-password", "new-pass", "--tables", "3", "--table-password", "new-table", "--demo-menu",
            ], environment: env)
        #expect(again.status == 0)
        #expect(try await ids() == before)
        // Passwords are stored only as slow salted hashes.
        let hashes = try await cluster.query(
            "SELECT password_hash FROM dining_tables WHERE store_id = ?", [.text(store.storeID)]
        ).map { try $0.string(0) }
        #expect(hashes.allSatisfy { $0.hasPrefix("scrypt$") && !$0.contains("new-table") })
        #expect(Set(hashes).count == hashes.count, "each hash has its own salt")
    }

    @Test func invalidConfigurationExitsNamingTheVariable() async throws {
        let api = TestEnvironment.binary("tableorder-api")
        var env = ProcessInfo.processInfo.environment
        env["ENV"] = "production"
        env["DATABASE_URL"] = nil
        let missing = try await TestEnvironment.run(api, [], environment: env)
        #expect(missing.status != 0)
        #expect(missing.err.contains("DATABASE_URL"))
        #expect(missing.err.split(separator: "\n").count == 1)

        env = ProcessInfo.processInfo.environment
        env["ENV"] = "production"
        env["HTTP_PORT"] = "eighty"
        let badPort = try await TestEnvironment.run(api, [], environment: env)
        #expect(badPort.status != 0)
        #expect(badPort.err.contains("HTTP_PORT"))

        env["HTTP_PORT"] = nil
        env["RABBITMQ_URL"] = "http://nope"
        let worker = try await TestEnvironment.run(TestEnvironment.binary("tableorder-worker"), [], environment: env)
        #expect(worker.status != 0)
        #expect(worker.err.contains("RABBITMQ_URL"))

        env["RABBITMQ_URL"] = ProcessInfo.processInfo.environment["RABBITMQ_URL"]
        env["ENV"] = "staging"
        let badMode = try await TestEnvironment.run(api, [], environment: env)
        #expect(badMode.status != 0)
        #expect(badMode.err.contains("ENV"))
    }

    @Test func brokerDownGives503WithRetryAfterWithinBudget() async throws {
        // This API's broker address has nothing listening: every attempt fails, the budget runs out.
        let cluster = try await Cluster.start(apis: 0, workers: 0)
        let store = try await cluster.seedStore()
        let port = TestEnvironment.freePort()
        var env = cluster.environment
        env["RABBITMQ_URL"] = "amqp://guest:guest@127.0.0.1:\(TestEnvironment.freePort())/"
        env["HTTP_PORT"] = String(port)
        let api = try await ManagedProcess(name: "api-nobroker", executable: TestEnvironment.binary("tableorder-api"), environment: env)
        defer { api.terminate() }
        let http = TestHTTP(baseURL: "http://127.0.0.1:\(port)")
        _ = try await Cluster.eventually("api up") { try? await http.get("/healthz") }
        let ready = try await http.get("/readyz")
        #expect(ready.status == 503)
        #expect(ready.text.contains("rabbitmq"))

        let login = try await http.post(
            "/api/auth/table/login", json: ["store_id": store.storeID, "table_number": 1, "password": store.tablePassword])
        let token = try #require(login.json["access_token"] as? String)
        let menu = try await http.get("/api/stores/\(store.storeID)/menus").json["menus"] as! [[String: Any]]
        let start = ContinuousClock.now
        let result = try await http.post(
            "/api/orders", token: token, json: ["items": [["menu_id": menu[0]["id"]!, "quantity": 1]]])
        let elapsed = start.duration(to: .now)
        #expect(result.status == 503)
        #expect(result.errorCode == "SERVICE_UNAVAILABLE")
        #expect(Int(result.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
        #expect(elapsed < .seconds(4), "the contract's budget is 3 s")
        #expect(!result.text.contains("127.0.0.1"), "no internal address in a 5xx body")
    }

    #if canImport(TableOrderRabbitMQ)
    @Test func workerRepublishesOnTheTopicExchangeAndInvalidatesTheCache() async throws {
        let cluster = try await Cluster.start()
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let queue = try await TopicProbe(bindingKey: "order.created")
        defer { Task { await queue.delete() } }
        let table = try await cluster.tableToken(store)
        let admin = try await cluster.adminToken(store)
        // Fill the admin snapshot cache, then change it through an order: the next read must be fresh.
        let before = try await cluster.http().get("/api/admin/orders", token: admin)
        #expect((before.json["tables"] as? [Any])?.isEmpty == true)
        let generation = { () async throws -> Int in
            let r = try await TestEnvironment.run(
                "/usr/bin/redis-cli",
                ["-p", TestEnvironment.redisPort, "GET", "tableorder:{\(store.storeID)}:cache:orders"])
            return Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let generationBefore = try await generation()
        let menu = try await cluster.menus(store)[0]
        let posted = try await cluster.http().post(
            "/api/orders", token: table, json: ["items": [["menu_id": menu["id"]!, "quantity": 1]]])
        let orderID = try #require(posted.json["order_id"] as? String)
        // Other tests' workers publish there too: look for this order's event.
        let event = try await Cluster.eventually("event on the topic exchange") { () -> [String: Any]? in
            while let body = try await queue.get() {
                let event = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
                if (event?["order"] as? [String: Any])?["order_id"] as? String == orderID { return event }
            }
            return nil
        }
        #expect(event["type"] as? String == "order_created")
        #expect(event["store_id"] as? String == store.storeID)
        #expect(try await generation() > generationBefore)
        let after = try await cluster.http().get("/api/admin/orders", token: admin)
        #expect((after.json["tables"] as? [Any])?.count == 1)
    }
    #endif
}
