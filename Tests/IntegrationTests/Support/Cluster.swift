import Foundation
import Logging
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// The two configurations every contract test runs against.
enum Mode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// Separate API and worker processes on PostgreSQL, Redis and RabbitMQ.
    case production
    /// One `tableorder-api` process with SQLite and in-process parts.
    case development

    var testDescription: String { rawValue }
}

/// A store seeded for one test, with its own id so tests sharing the services don't see each other.
struct SeededStore: Sendable {
    var storeID: String
    var adminPassword = "admin-pass"
    var tablePassword = "table-pass"
    var tables = 3
}

/// API and worker processes started from the built executables against the real services.
final class Cluster: @unchecked Sendable {
    let mode: Mode
    let sqlitePath = NSTemporaryDirectory() + "tableorder-test-\(UUID().uuidString.prefix(8)).sqlite"
    private(set) var apis: [ManagedProcess] = []
    private(set) var workers: [ManagedProcess] = []
    private(set) var apiPorts: [Int] = []
    private(set) var workerPorts: [Int] = []
    let extraEnvironment: [String: String]

    init(_ mode: Mode = .production, extraEnvironment: [String: String] = [:]) {
        self.mode = mode
        self.extraEnvironment = extraEnvironment
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["ENV"] = mode.rawValue
        if mode == .development {
            for name in ["DATABASE_URL", "REDIS_URL", "RABBITMQ_URL"] { env[name] = nil }
            env["TABLEORDER_SQLITE_PATH"] = sqlitePath
        }
        env["JWT_PUBLIC_KEY_FILE"] = TestEnvironment.keys.publicPath
        env["JWT_PRIVATE_KEY_FILE"] = TestEnvironment.keys.privatePath
        env["LOG_LEVEL"] = env["TEST_LOG_LEVEL"] ?? "info"
        env["SSE_HEARTBEAT_SECONDS"] = "1"
        env["LOGIN_RATE_LIMIT"] = "1000"  // many tests log in from 127.0.0.1 at once; one test lowers it
        // A test's streams are usually all one admin's, more than the default 5 in some tests; one test
        // lowers it to check the cap.
        env["SSE_MAX_STREAMS_PER_USER"] = "1000"
        for (key, value) in extraEnvironment { env[key] = value }
        return env
    }

    /// Starts `apis` API processes and `workers` workers, and waits until each answers `/readyz`.
    /// Development mode is always one API process, with the worker inside.
    ///
    /// With `ownQueue`, a production cluster gets a RabbitMQ vhost of its own: only its workers consume its
    /// commands (the suites running at once otherwise share one queue), so a test can stop them and know
    /// that what it sends waits in the queue.
    static func start(
        _ mode: Mode = .production, apis: Int = 1, workers: Int = 1, environment: [String: String] = [:],
        ownQueue: Bool = false
    ) async throws -> Cluster {
        var environment = environment
        if ownQueue, mode == .production {
            let root = ProcessInfo.processInfo.environment["TABLEORDER_REPO_ROOT"] ?? "."
            let name = "cluster-\(UUID().uuidString.prefix(8).lowercased())"
            let created = try await TestEnvironment.run("\(root)/ops/services.sh", ["vhost", name])
            guard created.status == 0, let url = created.out.split(separator: "\n").last(where: { $0.hasPrefix("amqp") })
            else { throw TestFailure("vhost \(name): \(created.out)") }
            environment["RABBITMQ_URL"] = String(url)
        }
        let cluster = Cluster(mode, extraEnvironment: environment)
        try await cluster.migrate()
        if mode == .production {
            for _ in 0..<workers { try await cluster.startWorker() }
            for _ in 0..<apis { try await cluster.startAPI() }
        } else if apis > 0 {
            try await cluster.startAPI()
        }
        return cluster
    }

    func migrate() async throws {
        let result = try await TestEnvironment.run(TestEnvironment.binary("tableorder-worker"), ["migrate"], environment: environment)
        guard result.status == 0 else { throw TestFailure("migrate failed: \(result.err)") }
    }

    /// Starts an API process; with `openFileLimit`, under that hard and soft limit (`ulimit -n`), as an
    /// operator's shell or a container runtime would set it.
    func startAPI(port fixedPort: Int? = nil, extra: [String: String] = [:], openFileLimit: Int? = nil) async throws {
        let port = fixedPort ?? TestEnvironment.freePort()
        var env = environment.merging(extra) { _, new in new }
        env["HTTP_PORT"] = String(port)
        let binary = TestEnvironment.binary("tableorder-api")
        let process =
            if let openFileLimit {
                try await ManagedProcess(
                    name: "api", executable: "/bin/sh", arguments: ["-c", "ulimit -n \(openFileLimit) && exec \"$0\"", binary],
                    environment: env)
            } else {
                try await ManagedProcess(name: "api", executable: binary, environment: env)
            }
        apis.append(process)
        apiPorts.append(port)
        try await waitReady(port: port, process: process)
    }

    func startWorker() async throws {
        let port = TestEnvironment.freePort()
        var env = environment
        env["WORKER_METRICS_PORT"] = String(port)
        let process = try await ManagedProcess(
            name: "worker", executable: TestEnvironment.binary("tableorder-worker"), environment: env)
        workers.append(process)
        workerPorts.append(port)
        try await waitReady(port: port, process: process)
    }

    private func waitReady(port: Int, process: ManagedProcess) async throws {
        let http = TestHTTP(baseURL: "http://127.0.0.1:\(port)")
        // Generous: dozens of processes start at once on two cores while the suites run in parallel.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestFailure("\(process.name) exited:\n\(process.output)") }
            if let result = try? await http.get("/readyz"), result.status == 200, process.isRunning { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(process.name) not ready:\n\(process.output)")
    }

    /// The `index`-th API (development mode has one: every index is it).
    func http(_ index: Int = 0) -> TestHTTP { TestHTTP(baseURL: baseURL(index)) }
    func baseURL(_ index: Int = 0) -> String { "http://127.0.0.1:\(apiPorts[index % apiPorts.count])" }

    /// Runs SQL (with `?` placeholders) on this cluster's database, whichever engine it is.
    func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        let logger = Logger(label: "test-sql")
        switch mode {
        case .production:
            let engine = PostgresEngine(url: try PostgresURL(parsing: TestEnvironment.databaseURL!), logger: logger, maximumConnections: 1)
            return try await engine.whileRunning { try await engine.query(sql, binds) }
        case .development:
            let engine = try await SQLiteEngine.open(path: sqlitePath, logger: logger)
            defer { Task { await engine.close() } }
            return try await engine.query(sql, binds)
        }
    }

    func count(_ sql: String, _ binds: [SQLValue] = []) async throws -> Int {
        try await query(sql, binds).first?.int(0) ?? 0
    }

    /// Seeds a fresh store through `tableorder-worker seed` (with the demo menu).
    func seedStore(tables: Int = 3) async throws -> SeededStore {
        let store = SeededStore(storeID: "t-" + UUID().uuidString.prefix(12).lowercased(), tables: tables)
        let result = try await TestEnvironment.run(
            TestEnvironment.binary("tableorder-worker"),
            [
                "seed", "--store-id", store.storeID, "--store-name", "Test \(store.storeID)", "--admin-username",
                "admin", "--admin-password", store.adminPassword, "--tables", String(tables), "--table-password",
                store.tablePassword, "--demo-menu",
            ], environment: environment)
        guard result.status == 0 else { throw TestFailure("seed failed: \(result.err)") }
        return store
    }

    func adminToken(_ store: SeededStore, api: Int = 0) async throws -> String {
        let result = try await http(api).post(
            "/api/auth/admin/login",
            json: ["store_id": store.storeID, "username": "admin", "password": store.adminPassword])
        guard result.status == 200, let token = result.json["access_token"] as? String else {
            throw TestFailure("admin login failed: \(result.status) \(result.text)")
        }
        return token
    }

    func tableToken(_ store: SeededStore, table: Int = 1, api: Int = 0) async throws -> String {
        let result = try await http(api).post(
            "/api/auth/table/login",
            json: ["store_id": store.storeID, "table_number": table, "password": store.tablePassword])
        guard result.status == 200, let token = result.json["access_token"] as? String else {
            throw TestFailure("table login failed: \(result.status) \(result.text)")
        }
        return token
    }

    /// Posts an order of one line of the store's first menu; returns its id.
    func placeOrder(_ store: SeededStore, token: String, quantity: Int = 1, api: Int = 0) async throws -> String {
        let menu = try await menus(store)[0]
        let result = try await http(api).post(
            "/api/orders", token: token, json: ["items": [["menu_id": menu["id"]!, "quantity": quantity]]])
        guard result.status == 202, let id = result.json["order_id"] as? String else {
            throw TestFailure("order refused: \(result.status) \(result.text)")
        }
        return id
    }

    /// Places an order and waits until it is stored: a test that checks that refused requests changed
    /// nothing waits for this instead of for an amount of time. There is one command queue, consumed in
    /// order: in development mode (one consumer) every command queued before the barrier has then been
    /// applied. In production mode the suites running at once share the queue (one vhost per run), so
    /// another suite's worker could still hold an earlier command among those it has prefetched, to apply
    /// with its next batch: there the barrier is a strong hint, not a proof.
    func barrier(_ store: SeededStore, token: String) async throws {
        let orderID = try await placeOrder(store, token: token)
        _ = try await Cluster.eventually("the barrier order \(orderID) stored") {
            try await self.count("SELECT count(*) FROM orders WHERE id = ?", [.uuid(UUID(uuidString: orderID)!)]) == 1
                ? true : nil
        }
    }

    func menus(_ store: SeededStore) async throws -> [[String: Any]] {
        let result = try await http().get("/api/stores/\(store.storeID)/menus")
        return result.json["menus"] as? [[String: Any]] ?? []
    }

    func stop() {
        for process in apis + workers { process.terminate() }
    }

    /// Stops every worker and waits until they exited: commands sent now wait in the queue.
    func stopWorkers() async {
        for process in workers { _ = await process.stop() }
        workers.removeAll()
        workerPorts.removeAll()
    }

    /// SIGTERM to the `index`-th API, waits for its exit (returning its status), and starts a new one on
    /// the same port.
    func restartAPI(_ index: Int) async -> Int32 {
        let status = await apis[index].stop()
        let port = apiPorts[index]
        apis.remove(at: index)
        apiPorts.remove(at: index)
        try? await startAPI(port: port)
        apis.insert(apis.removeLast(), at: index)
        apiPorts.insert(apiPorts.removeLast(), at: index)
        return status
    }

    func restartWorker(_ index: Int) async -> Int32 {
        let status = await workers[index].stop()
        workers.remove(at: index)
        workerPorts.remove(at: index)
        try? await startWorker()
        workers.insert(workers.removeLast(), at: index)
        workerPorts.insert(workerPorts.removeLast(), at: index)
        return status
    }

    /// Stops the API processes and waits until they exited (a restart test reopens the same database).
    func stopAPIs() async {
        for process in apis { await process.stop() }
        apis.removeAll()
        apiPorts.removeAll()
    }

    /// Polls until `body` returns a value, or fails after `timeout`.
    static func eventually<T>(
        timeout: Duration = .seconds(30), _ what: String, _ body: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await body() { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("timed out after \(timeout) waiting for \(what)")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
