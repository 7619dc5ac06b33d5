import Foundation
import Logging
import TableOrderRabbitMQ
import TableOrderCore
import TableOrderStorage

/// (b) How fast workers turn a queued backlog into stored orders: `count` order commands are queued
/// first (while no worker runs), then `workers` workers start and the stored rows are counted.
struct WorkerDrain {
    struct Result: Codable {
        var workers: Int
        var backlog: Int
        var seconds: Double
        var ordersPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case workers, backlog, seconds
            case ordersPerSecond = "orders_per_second"
        }
    }

    let env: BenchEnvironment
    let store: BenchStore
    let database: PostgresEngine

    func run(workers: Int, backlog: Int) async throws -> Result {
        try await enqueue(backlog)
        let before = try await storedOrders()
        let target = before + backlog
        var processes: [ChildProcess] = []
        defer { for process in processes { Task { await process.stop() } } }
        for index in 0..<workers { processes.append(try await env.startWorker(index)) }
        let ready = monotonicNanoseconds()
        // Timed from the first stored order, so process start-up is not counted — unless the backlog is so
        // small that it was all stored in the first look (tiny runs): then from the workers being ready.
        var first: (time: UInt64, count: Int)?
        let deadline = ContinuousClock.now + .seconds(600)
        while true {
            let count = try await storedOrders()
            if first == nil, count > before { first = (monotonicNanoseconds(), count) }
            if count >= target { break }
            guard ContinuousClock.now < deadline else { throw BenchError("drain stalled at \(count - before) of \(backlog)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let finished = monotonicNanoseconds()
        for process in processes { await process.stop() }
        processes = []
        let start = first.flatMap { $0.count < target ? $0 : nil } ?? (time: ready, count: before)
        let elapsed = max(Double(finished - start.time) / 1_000_000_000, 0.001)
        return Result(
            workers: workers, backlog: backlog, seconds: elapsed, ordersPerSecond: Double(target - start.count) / elapsed)
    }

    private func storedOrders() async throws -> Int {
        try await database.query("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]).first?.int(0) ?? 0
    }

    /// Queues order commands exactly as the API would, through the production bus, many in flight.
    private func enqueue(_ count: Int) async throws {
        let bus = RabbitMQEventBus(url: try AMQPURL(parsing: env.rabbitMQURL), logger: Logger(label: "bench-publisher"))
        guard await bus.waitUntilConnected(timeout: .seconds(30)) else { throw BenchError("the bench's publisher cannot connect") }
        let lines = store.menuIDs.prefix(3).map { CreateOrder.Line(menuID: $0, quantity: 2) }
        let tables = store.tableIDs
        let storeID = store.storeID
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= 500 { try await group.next() }
                    group.addTask {
                        let command = Command.createOrder(
                            CreateOrder(
                                orderID: UUID().lowercased, storeID: storeID, tableID: tables[index % tables.count],
                                lines: lines, note: nil, requestHash: "bench", requestedAt: Timestamp.now()))
                        let body = try CommandEnvelope(command: command).wireBytes()
                        try await bus.sendCommand(body, headers: [], timeout: .seconds(30))
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            failure = error
        }
        await bus.shutdown()
        if let failure { throw failure }
    }
}
