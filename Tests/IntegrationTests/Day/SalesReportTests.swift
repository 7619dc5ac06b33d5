import Foundation
import NIOHTTP1
import TableOrderCore
import TableOrderStorage
import Testing

/// The sales report and the store's time zone (contract v1.1 §7), in both modes, and in production the
/// report read from a streaming replica when `DATABASE_READ_URL` names one.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct SalesReportIntegrationTests {
    func report(_ day: Day, _ query: String = "") async throws -> [String: Any] {
        let result = try await day.http.get("/api/admin/reports/sales\(query)", token: day.admin)
        #expect(result.status == 200, "\(result.text)")
        return result.json
    }

    func totals(_ report: [String: Any]) -> (orders: Int?, revenue: Int?, cancelled: Int?) {
        let totals = report["totals"] as? [String: Any]
        return (totals?["orders"] as? Int, totals?["revenue"] as? Int, totals?["cancelled_orders"] as? Int)
    }

    @Test(arguments: Mode.allCases)
    func todaysSalesByDayHourAndItem(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let bibimbap = try #require(try await day.menu("Bibimbap")["id"] as? String)
        let galbi = try #require(try await day.menu("Galbi-jjim")["id"] as? String)
        let first = try await day.order(table: 0, [["menu_id": bibimbap, "quantity": 2]])
        let second = try await day.order(table: 1, [["menu_id": galbi, "quantity": 1]])
        let third = try await day.order(table: 2, [["menu_id": bibimbap, "quantity": 1]])
        let cancelledID = try #require(third.json["order_id"] as? String)
        for (table, placed) in [first, second, third].enumerated() {
            _ = try await day.stored(try #require(placed.json["order_id"] as? String), table: table)
        }
        #expect(try await day.patch("/api/admin/orders/\(cancelledID)/status", ["status": "cancelled"]).status == 202)
        let today = try await Cluster.eventually(timeout: .seconds(20), "the cancel counted") {
            let report = try await self.report(day)
            return self.totals(report).cancelled == 1 ? report : nil
        }
        #expect(totals(today).orders == 2 && totals(today).revenue == 22000 + 28000)
        #expect(today["timezone"] as? String == "Asia/Seoul" && today["from"] as? String == today["to"] as? String)
        let days = try #require(today["days"] as? [[String: Any]])
        #expect(days.count == 1 && days[0]["orders"] as? Int == 2)
        let hours = try #require(today["hours"] as? [[String: Any]])
        #expect(hours.map { $0["hour"] as? Int } == Array(0..<24))
        // The orders count in Seoul's hour of their `created_at`.
        let firstID = try #require(first.json["order_id"] as? String)
        let created = try #require(try await day.stored(firstID)["created_at"] as? String)
        let instant = try #require(ISO8601DateFormatter().date(from: String(created.prefix(19)) + "Z"))
        let hour = try #require(TimeZone(identifier: "Asia/Seoul")).local(instant).hour
        #expect(hours[hour]["orders"] as? Int ?? 0 >= 1, "hour \(hour) of \(hours)")
        #expect(hours.reduce(0) { $0 + ($1["revenue"] as? Int ?? 0) } == 50000)
        let items = try #require(today["items"] as? [[String: Any]])
        #expect(items.map { $0["menu_id"] as? String } == [galbi, bibimbap], "by revenue, highest first")
        #expect(items.map { $0["quantity"] as? Int } == [1, 2])

        // The rollup recomputed from the orders (`tableorder-worker rebuild-sales`, for a rolling upgrade) is
        // what the writes kept: the report is the same after it, and empty without it.
        if mode == .production {
            _ = try await day.cluster.query("DELETE FROM sales_quarters WHERE store_id = ?", [.text(day.store.storeID)])
            _ = try await day.cluster.query("DELETE FROM sales_item_days WHERE store_id = ?", [.text(day.store.storeID)])
            #expect(totals(try await report(day)).orders == 0)
            let rebuilt = try await TestEnvironment.run(
                TestEnvironment.binary("tableorder-worker"), ["rebuild-sales", "--store", day.store.storeID],
                environment: day.cluster.environment)
            #expect(rebuilt.status == 0 && rebuilt.out.contains("rebuilt for 1 store"), "\(rebuilt.err)")
            let again = try await report(day)
            #expect(totals(again).orders == 2 && totals(again).revenue == 50000 && totals(again).cancelled == 1)
            #expect((again["items"] as? [[String: Any]])?.map { $0["quantity"] as? Int } == [1, 2])
        }

        // A range: every date listed, zeros included.
        let from = try #require(today["from"] as? String)
        let week = try await report(day, "?from=2026-01-01&to=2026-01-07")
        #expect((week["days"] as? [[String: Any]])?.count == 7 && totals(week).orders == 0)
        let same = try await report(day, "?from=\(from)&to=\(from)")
        #expect(totals(same).orders == 2 && totals(same).revenue == 50000)

        // CSV, by day, hour and item.
        let csv = try await day.http.get("/api/admin/reports/sales?format=csv&by=item", token: day.admin)
        #expect(csv.status == 200 && csv.headers.first(name: "Content-Type") == "text/csv; charset=utf-8")
        #expect(csv.headers.first(name: "Content-Disposition") == "attachment; filename=\"sales-\(day.store.storeID)-\(from)-\(from).csv\"")
        let rows = csv.text.split(separator: "\r\n").map(String.init)
        #expect(rows.first == "menu_id,name,quantity,revenue" && rows.count == 3)
        #expect(rows[1] == "\(galbi),\"갈비찜\",1,28000")
        let byHour = try await day.http.get("/api/admin/reports/sales?format=csv&by=hour", token: day.admin)
        #expect(byHour.text.split(separator: "\r\n").count == 25)
        let byDay = try await day.http.get("/api/admin/reports/sales?format=csv", token: day.admin)
        #expect(byDay.text.hasPrefix("date,orders,revenue\r\n\(from),2,50000\r\n"))

        // Bad queries are 400 and name the parameter.
        for query in ["?from=2026-02-30", "?from=2026-03-02&to=2026-03-01", "?from=2025-01-01&to=2026-01-02", "?format=xml",
                      "?format=csv&by=week", "?from=20260101"] {
            let refused = try await day.http.get("/api/admin/reports/sales\(query)", token: day.admin)
            #expect(refused.status == 400 && refused.errorCode == "VALIDATION_ERROR", "\(query): \(refused.text)")
        }
        #expect(try await day.http.get("/api/admin/reports/sales", token: day.tables[0]).status == 403)

        // The store's time zone moves its days.
        #expect(try await day.http.request(.PUT, "/api/admin/store", token: day.admin, json: ["timezone": "Mars/Olympus"]).status == 400)
        #expect(try await day.http.request(.PUT, "/api/admin/store", token: day.admin, json: ["timezone": "KST"]).status == 400)
        #expect(try await day.http.request(.PUT, "/api/admin/store", token: day.admin, json: [:]).status == 400)
        let moved = try await day.http.request(.PUT, "/api/admin/store", token: day.admin, json: ["timezone": "America/New_York"])
        #expect(moved.status == 202, "\(moved.text)")
        _ = try await Cluster.eventually(timeout: .seconds(20), "the store moved") {
            try await self.report(day)["timezone"] as? String == "America/New_York" ? true : nil
        }
    }

    /// With `DATABASE_READ_URL` naming the streaming replica, the report is read there: while the replica
    /// replays nothing, an order stored on the primary is not in it; once it replays, it is.
    @Test func reportsAreReadFromTheReplica() async throws {
        let replica = try #require(ProcessInfo.processInfo.environment["TO_PG_REPLICA_URL"], "ops/services.sh starts a replica")
        let cluster = try await Cluster.start(.production, environment: ["DATABASE_READ_URL": replica])
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        func orders() async throws -> Int? {
            let report = try await cluster.http().get("/api/admin/reports/sales", token: admin).json
            return (report["totals"] as? [String: Any])?["orders"] as? Int
        }
        func replay(_ action: String) async throws {
            let result = try await TestEnvironment.run("/usr/bin/psql", [replica, "-qAtc", "SELECT pg_wal_replay_\(action)()"])
            #expect(result.status == 0, "\(result.out)")
        }
        try await cluster.barrier(store, token: table)
        _ = try await Cluster.eventually(timeout: .seconds(20), "the first order replicated") { try await orders() == 1 ? true : nil }

        try await replay("pause")
        let paused: Int?
        do {
            try await cluster.barrier(store, token: table)  // stored on the primary
            paused = try await orders()
        } catch {
            try await replay("resume")
            throw error
        }
        try await replay("resume")
        #expect(paused == 1, "read from the replica, which had not replayed the second order")
        _ = try await Cluster.eventually(timeout: .seconds(20), "the second order replicated") { try await orders() == 2 ? true : nil }
    }
}
