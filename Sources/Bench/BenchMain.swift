import ArgumentParser
import Foundation
import Logging
import TableOrderCore
import TableOrderStorage

/// `tableorder-bench`: measures the system and its references in one run on one machine, so every figure
/// can be read as a ratio. Started by `ops/bench.sh`, which provides the services and builds the binaries.
@main
struct BenchMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tableorder-bench", abstract: "Benchmark of the Table Order backend against its references.")

    @Option(help: "Directory holding tableorder-api and tableorder-worker.") var binDir: String
    @Option(help: "The repository (for ops/bench/*).") var repoRoot: String
    @Option(help: "Where logs, keys and the JSON go.") var workDir: String
    @Option(help: "full or tiny.") var size: String = "full"
    @Option(help: "The JSON report's path.") var out: String
    @Option var apiPort: Int = 18_801
    @Option var workerPort: Int = 18_802
    @Option var secondWorkerPort: Int = 18_803
    @Option var nchanPort: Int = 18_804
    @Option(help: "Run one part alone: write-throughput, end-to-end, fan-out or sales-report; prints its JSON.")
    var only: String?
    @Option(help: "Streams for the fan-out instead of the size's (with --only fan-out: also nginx + nchan at that count).")
    var streams: Int?

    mutating func run() async throws {
        guard var sizes = ["full": BenchSizes.full, "tiny": BenchSizes.tiny][size] else {
            throw ValidationError("--size: full or tiny")
        }
        if let streams {
            guard (1...1_000_000).contains(streams) else { throw ValidationError("--streams: 1..1000000") }
            sizes.streams = streams
        }
        let variables = ProcessInfo.processInfo.environment
        guard let database = variables["DATABASE_URL"], let redis = variables["REDIS_URL"],
            let rabbit = variables["RABBITMQ_URL"]
        else { throw ValidationError("DATABASE_URL, REDIS_URL and RABBITMQ_URL must be set (source the services' env)") }
        let env = BenchEnvironment(
            binDirectory: binDir, repoRoot: repoRoot, workDirectory: workDir, databaseURL: database, redisURL: redis,
            rabbitMQURL: rabbit, apiPort: apiPort, workerPorts: [workerPort, secondWorkerPort], nchanPort: nchanPort)
        if let only {
            print(try await Self.measureOnly(only, env, sizes: sizes))
            return
        }
        let report = try await Self.measure(env, sizes: sizes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: out))
        print("\n" + report.markdown + "\n\nmachine: \(report.machine)\nJSON: \(out)")
    }

    /// One part alone, on a fresh API (and worker, where the part needs one): its JSON.
    static func measureOnly(_ part: String, _ env: BenchEnvironment, sizes: BenchSizes) async throws -> String {
        guard ["write-throughput", "end-to-end", "fan-out", "sales-report"].contains(part) else {
            throw ValidationError("--only: write-throughput, end-to-end, fan-out or sales-report")
        }
        try await makeKeys(env)
        try await env.runWorkerCommand(["migrate"])
        let api = try await env.startAPI()
        let worker = part == "write-throughput" ? nil : try await env.startWorker(0)
        let store = try await BenchStore.seed(env, name: "only", tables: sizes.tables)
        let result: any Encodable
        switch part {
        case "write-throughput":
            let amqp = try AMQPURL(parsing: env.rabbitMQURL)
            let classic = try MinimalPublisher(url: amqp).run(kind: .classic, messages: sizes.publisherMessages)
            let window64 = try MinimalPublisher(url: amqp, window: UInt64(sizes.wrkConnections))
                .run(kind: .classic, messages: sizes.publisherMessages / 4)
            let quorum64 = try MinimalPublisher(url: amqp, window: UInt64(sizes.wrkConnections))
                .run(kind: .quorum, messages: sizes.publisherMessages / 4)
            try purgeCommands(env)
            let throughput = try await WriteThroughput(env: env, store: store)
                .run(connections: sizes.wrkConnections, duration: sizes.wrkSeconds, apiPID: api.pid)
            try purgeCommands(env)
            result = ["publisher_classic_per_second": classic, "api_per_second": throughput.requestsPerSecond,
                      "api_cpu_us_per_order": throughput.apiCPUMicrosecondsPerOrder,
                      "publisher_classic_window_64": window64, "publisher_quorum_window_64": quorum64,
                      "ratio": throughput.requestsPerSecond / classic, "p50_ms": throughput.p50Ms, "p99_ms": throughput.p99Ms]
        case "end-to-end":
            result = try await EndToEnd(env: env, store: store).run(rate: sizes.endToEndRate, duration: sizes.endToEndSeconds)
        case "sales-report":
            let database = PostgresEngine(
                url: try PostgresURL(parsing: env.databaseURL), logger: Logger(label: "bench-sql"), maximumConnections: 2)
            result = try await database.whileRunning {
                try await SalesReportRun(env: env, database: database).run(orders: sizes.salesOrders, requests: sizes.salesRequests)
            }
        default:
            let fan = FanOut(streams: sizes.streams, broadcasts: sizes.broadcasts)
            let ours = try await fan.runAPI(env: env, store: store, apiPID: api.pid)
            result = ["api": ours, "nchan": try await fan.runNchan(env: env)]
        }
        await worker?.stop()
        await api.stop()
        return String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
    }

    static func measure(_ env: BenchEnvironment, sizes: BenchSizes) async throws -> BenchReport {
        let started = Timestamp.now()
        try await makeKeys(env)
        try await env.runWorkerCommand(["migrate"])
        let database = PostgresEngine(
            url: try PostgresURL(parsing: env.databaseURL), logger: Logger(label: "bench-sql"), maximumConnections: 2)
        return try await database.whileRunning {
            let references = try await measureReferences(env, sizes: sizes, database: database)

            let api = try await env.startAPI()
            try await Task.sleep(for: .seconds(2))
            let idle = ProcessMemory.residentKiB(pid: api.pid) ?? 0
            defer { Task { await api.stop() } }
            let writes = try await BenchStore.seed(env, name: "writes", tables: sizes.tables)
            let live = try await BenchStore.seed(env, name: "live", tables: sizes.tables)

            progress("(a) write throughput: \(sizes.wrkConnections) connections, \(sizes.wrkSeconds) s, no worker")
            let throughput = try await WriteThroughput(env: env, store: writes)
                .run(connections: sizes.wrkConnections, duration: sizes.wrkSeconds, apiPID: api.pid)
            try purgeCommands(env)

            var drains: [WorkerDrain.Result] = []
            for workers in [1, 2] {
                progress("(b) drain of \(sizes.backlog) queued orders by \(workers) worker(s)")
                drains.append(try await WorkerDrain(env: env, store: writes, database: database).run(workers: workers, backlog: sizes.backlog))
            }

            progress("settling: VACUUM ANALYZE, then \(sizes.settleSeconds) s")
            _ = try await database.query("VACUUM ANALYZE", [])
            try await Task.sleep(for: .seconds(sizes.settleSeconds))

            let worker = try await env.startWorker(0)
            defer { Task { await worker.stop() } }
            progress("(c) end to end: \(sizes.endToEndRate) orders/s for \(sizes.endToEndSeconds) s with a stream open")
            let endToEnd = try await EndToEnd(env: env, store: live).run(rate: sizes.endToEndRate, duration: sizes.endToEndSeconds)

            let fan = FanOut(streams: sizes.streams, broadcasts: sizes.broadcasts)
            progress("(d) fan-out: \(sizes.streams) streams on the API")
            let fanOut = try await fan.runAPI(env: env, store: live, apiPID: api.pid)
            progress("(e) sales report: a year of \(sizes.salesOrders) orders, asked \(sizes.salesRequests) times")
            let sales = try await SalesReportRun(env: env, database: database)
                .run(orders: sizes.salesOrders, requests: sizes.salesRequests)
            await worker.stop()
            await api.stop()
            progress("(d) fan-out: \(sizes.streams) streams on nginx + nchan")
            let fanOutReference = try await fan.runNchan(env: env)

            return BenchReport(
                machine: machineDescription(), startedAt: started, sizes: sizes, idleAPIResidentKiB: idle,
                references: references, writeThroughput: throughput, drain: drains, endToEnd: endToEnd, fanOut: fanOut,
                fanOutReference: fanOutReference, salesReport: sales)
        }
    }

    /// The references run alone: none of our processes is running yet.
    static func measureReferences(_ env: BenchEnvironment, sizes: BenchSizes, database: PostgresEngine) async throws
        -> BenchReport.References
    {
        let amqp = try AMQPURL(parsing: env.rabbitMQURL)
        progress("references: minimal publisher, \(sizes.publisherMessages) messages, confirm window 1000")
        let classic = try MinimalPublisher(url: amqp).run(kind: .classic, messages: sizes.publisherMessages)
        let quorum = try MinimalPublisher(url: amqp).run(kind: .quorum, messages: sizes.publisherMessages)

        progress("references: PostgreSQL inserting order rows from one client")
        let storeID = "bench-reference-" + UUID().uuidString.prefix(6).lowercased()
        try await env.runWorkerCommand([
            "seed", "--store-id", storeID, "--store-name", "Reference", "--admin-username", "admin", "--admin-password",
            "reference", "--tables", "1", "--table-password", "reference",
        ])
        guard let tableText = try await database.query("SELECT id FROM dining_tables WHERE store_id = ?", [.text(storeID)])
            .first?.string(0), let tableID = UUID(uuidString: tableText)
        else { throw BenchError("reference store has no table") }
        let postgres = PostgresReference(engine: database, storeID: storeID, tableID: tableID)
        let single = try await postgres.run(orders: sizes.postgresSingleOrders, batch: 1)
        let batched = try await postgres.run(orders: sizes.postgresBatchedOrders, batch: 100)

        progress("references: redis-benchmark")
        let redis = try await RedisReference(url: try RedisURL(parsing: env.redisURL), workDirectory: env.workDirectory)
            .run(requests: sizes.redisRequests)
        return .init(
            publisherClassicPerSecond: classic, publisherQuorumPerSecond: quorum, postgresOnePerTransaction: single,
            postgresHundredPerTransaction: batched, redis: redis)
    }

    /// Throughput's orders are not for persisting: the drain queues its own backlog.
    static func purgeCommands(_ env: BenchEnvironment) throws {
        let connection = try AMQPConnection(url: try AMQPURL(parsing: env.rabbitMQURL))
        defer { connection.close() }
        _ = try connection.purgeQueue(Topology.commandQueue)
    }

    static func makeKeys(_ env: BenchEnvironment) async throws {
        let environment = ProcessInfo.processInfo.environment
        for arguments in [
            ["genrsa", "-out", "\(env.workDirectory)/jwt.pem", "2048"],
            ["rsa", "-in", "\(env.workDirectory)/jwt.pem", "-pubout", "-out", "\(env.workDirectory)/jwt.pub"],
        ] {
            let result = try await ChildProcess.run("/usr/bin/openssl", arguments, environment: environment, logDirectory: env.workDirectory)
            guard result.status == 0 else { throw BenchError("openssl: \(result.output)") }
        }
    }

    static func machineDescription() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
            .flatMap { Int($0) }.map { "\($0 / 1_048_576) GiB" } ?? "?"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory), shared"
    }
}

func progress(_ line: String) {
    FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
}
