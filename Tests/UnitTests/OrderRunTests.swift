import Foundation
import Logging
@testable import TableOrderCore
@testable import TableOrderStorage
@testable import TableOrderWorker
import Testing

/// The worker's set-based application of a run of new orders, on the embedded SQLite engine (the SQL
/// is the same `SQLStore` code PostgreSQL runs).
@Suite struct OrderRunTests {
    struct Fixture {
        var engine: SQLiteEngine
        var store: SQLStore
        var plan: SeedPlan

        func order(table: Int, menu: Int = 0, note: String? = nil) -> CommandEnvelope {
            CommandEnvelope(
                command: .createOrder(
                    CreateOrder(
                        orderID: UUID().lowercased, storeID: plan.storeID, tableID: plan.tables[table].id.lowercased,
                        lines: [.init(menuID: plan.menus[menu].id.lowercased, quantity: 2)], note: note,
                        requestHash: "h", requestedAt: Timestamp.now())))
        }

        func apply(_ envelopes: [CommandEnvelope]) async throws -> [StoreEvent] {
            try await store.transaction { tx in try await CommandHandler().apply(envelopes, in: tx).events }
        }

        func strings(_ sql: String, _ binds: [SQLValue] = []) async throws -> [String] {
            try await engine.query(sql, binds).map { try $0.string(0) }
        }
    }

    func fixture() async throws -> Fixture {
        let path = NSTemporaryDirectory() + "tableorder-run-\(UUID().uuidString.prefix(8)).sqlite"
        let engine = try await SQLiteEngine.open(path: path, logger: Logger(label: "test"))
        _ = try await engine.migrate()
        let plan = try SeedPlan(
            storeID: "run-store", storeName: "Run", adminUsername: "admin", adminPassword: "pass1", tableCount: 2,
            tablePassword: "pass2", demoMenu: true)
        let store = SQLStore(engine: engine)
        try await store.seed(plan)
        return Fixture(engine: engine, store: store, plan: plan)
    }

    @Test func aRunOpensOneSessionPerTableAndNumbersItsEventsInOrder() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        let run = [f.order(table: 0, note: "a"), f.order(table: 0, note: "b"), f.order(table: 1, note: "c"),
                   f.order(table: 0, note: "d")]
        let events = try await f.apply(run)
        #expect(events.map(\.type) == Array(repeating: "order_created", count: 4))
        let ids = events.map(\.id)
        #expect(ids == Array(ids[0]...(ids[0] + 3)), "gap-free, in the run's order")
        #expect(events.map { $0.data.contains("\"note\":\"a\"") } == [true, false, false, false])
        for table in f.plan.tables {
            let sessions = try await f.strings(
                "SELECT DISTINCT session_id FROM orders WHERE table_id = ?", [.uuid(table.id)])
            #expect(sessions.count == 1, "one new session per table, shared by the run's orders")
            let current = try await f.strings(
                "SELECT current_session_id FROM dining_tables WHERE id = ?", [.uuid(table.id)])
            #expect(current == sessions)
        }
        // Redelivered, whole or in part: nothing changes, no event.
        #expect(try await f.apply(run).isEmpty)
        #expect(try await f.apply([run[1]]).isEmpty)
        #expect(try await f.strings("SELECT count(*) FROM orders").first == "4")
    }

    @Test func anOrderThatCanNeverApplyRejectsItsRun() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        var foreign = f.order(table: 0)
        if case .createOrder(var order) = foreign.command {
            order.tableID = UUID().lowercased  // no such table
            foreign.command = .createOrder(order)
        }
        await #expect(throws: CommandRejection.self) { try await f.apply([f.order(table: 1), foreign]) }
        #expect(try await f.strings("SELECT count(*) FROM orders").first == "0", "the run's transaction rolled back")
    }
}
