import Foundation
import Logging
@testable import TableOrderCore
@testable import TableOrderStorage
@testable import TableOrderWorker
import Testing

/// The sales report's arithmetic (contract v1.1 §7): store-local dates and hours, whatever the time zone's
/// offset, and what counts.
@Suite struct SalesReportTests {
    @Test func civilDatesRoundTripThroughDaysSinceEpoch() throws {
        for days in stride(from: -719_162, through: 2_932_896, by: 997) {  // 0001-01-01 ... 9999-12-31
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(CivilDate(date.description) == date)
        }
        #expect(CivilDate("2024-02-29") != nil && CivilDate("2023-02-29") == nil && CivilDate("2026-13-01") == nil)
        #expect(CivilDate("2026-1-01") == nil && CivilDate("２０２６-01-01") == nil && CivilDate("2026-01-01 ") == nil)
        #expect(CivilDate("1970-01-01")?.daysSinceEpoch == 0)
    }

    @Test func localDaysFollowTheZoneAcrossOffsetChanges() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 2026-03-08: clocks go from 02:00 to 03:00; the day is 23 hours long.
        let day = try #require(CivilDate("2026-03-08"))
        let start = newYork.start(of: day), end = newYork.start(of: day.adding(days: 1))
        #expect(end.timeIntervalSince(start) == 23 * 3600)
        #expect(newYork.local(start).date == day && newYork.local(start).hour == 0)
        #expect(newYork.local(end.addingTimeInterval(-1)).date == day)
        let kathmandu = try #require(TimeZone(identifier: "Asia/Kathmandu"))  // +05:45
        let midnight = kathmandu.start(of: day)
        #expect(kathmandu.local(midnight).hour == 0 && kathmandu.local(midnight.addingTimeInterval(-1)).hour == 23)
        #expect(Int(midnight.timeIntervalSince1970) % 900 == 0, "a quarter-hour bucket never straddles a local hour")
    }

    @Test func quarterHourOffsetsAgreeWithFoundationAtEveryQuarterHourOfAYear() throws {
        for name in ["America/New_York", "Europe/London", "Asia/Seoul", "Australia/Lord_Howe", "Asia/Kathmandu"] {
            let zone = try #require(TimeZone(identifier: name))
            let start = zone.start(of: try #require(CivilDate("2026-01-01")))
            let offsets = QuarterHourOffsets(timeZone: zone, from: start, to: start.addingTimeInterval(366 * 86_400))
            #expect(offsets.segments.count == (["Asia/Seoul", "Asia/Kathmandu"].contains(name) ? 1 : 3), "\(name)")
            let first = Int(start.timeIntervalSince1970) / 900
            for quarter in first..<(first + 366 * 96) {
                let expected = zone.local(Date(timeIntervalSince1970: TimeInterval(quarter * 900)))
                let got = offsets.localHour(ofQuarter: quarter)
                #expect(got == expected.date.daysSinceEpoch * 24 + expected.hour, "\(name) at quarter \(quarter)")
                if got != expected.date.daysSinceEpoch * 24 + expected.hour { return }
            }
        }
    }

    @Test func aReportListsEveryDayAndHourAndCountsOnlyWhatWasSold() async throws {
        let path = NSTemporaryDirectory() + "tableorder-sales-\(UUID().uuidString.prefix(8)).sqlite"
        let engine = try await SQLiteEngine.open(path: path, logger: Logger(label: "test"))
        defer { Task { await engine.close() } }
        _ = try await engine.migrate()
        let plan = try SeedPlan(
            storeID: "sales", storeName: "Sales", adminUsername: "admin", adminPassword: "pass1", tableCount: 1,
            tablePassword: "pass2", demoMenu: true)
        let store = SQLStore(engine: engine)
        try await store.seed(plan)
        let seoul = try #require(TimeZone(identifier: "Asia/Seoul"))
        let day = try #require(CivilDate("2026-12-01"))
        // 23:30 on the 1st in Seoul is 14:30 UTC: it counts on the 1st, hour 23.
        let late = seoul.start(of: day).addingTimeInterval(23.5 * 3600)
        let bibimbap = plan.menus[0], galbi = plan.menus.last!
        func order(_ lines: [(MenuItem, Int)], at: Date) -> CommandEnvelope {
            CommandEnvelope(command: .createOrder(CreateOrder(
                orderID: UUID().lowercased, storeID: plan.storeID, tableID: plan.tables[0].id.lowercased,
                lines: lines.map { .init(menuID: $0.0.id, quantity: $0.1) }, note: nil, requestHash: "h",
                requestedAt: Timestamp.now())))
        }
        func apply(_ envelopes: [CommandEnvelope], at: Date) async throws -> [StoreEvent] {
            try await store.transaction { tx in try await CommandHandler().apply(envelopes, in: tx, now: at).events }
        }
        let kept = order([(bibimbap, 2), (galbi, 1)], at: late)
        _ = try await apply([kept], at: late)
        _ = try await apply([order([(galbi, 20)], at: late)], at: late)  // more than the 9 left: rejected
        let cancelled = order([(bibimbap, 1)], at: late)
        _ = try await apply([cancelled], at: late)
        guard case .createOrder(let c) = cancelled.command, case .createOrder(let k) = kept.command else { return }
        _ = try await apply([CommandEnvelope(command: .changeOrderStatus(.init(orderID: c.orderID, storeID: plan.storeID, from: .pending, to: .cancelled)))], at: late)
        _ = try await apply([CommandEnvelope(command: .cancelOrderItems(.init(
            orderID: k.orderID, storeID: plan.storeID, itemID: OrderItem.id(orderID: k.orderID, line: 0), quantity: 1)))], at: late)
        let served = order([(galbi, 1)], at: late)
        _ = try await apply([served], at: late)
        guard case .createOrder(let d) = served.command else { return }
        for (from, to) in [(OrderStatus.pending, OrderStatus.preparing), (.preparing, .completed)] {
            _ = try await apply([CommandEnvelope(command: .changeOrderStatus(.init(orderID: d.orderID, storeID: plan.storeID, from: from, to: to)))], at: late)
        }
        _ = try await apply([CommandEnvelope(command: .deleteOrder(.init(orderID: d.orderID, storeID: plan.storeID)))], at: late)

        // What the writes kept is what the rows add up to.
        func rollup() async throws -> [String] {
            try await engine.query("SELECT store_id, quarter, orders, revenue, cancelled, rejected FROM sales_quarters WHERE orders <> 0 OR cancelled <> 0 OR rejected <> 0 ORDER BY 1, 2", []).map { "\($0)" }
                + engine.query("SELECT store_id, day, menu_id, quantity, revenue FROM sales_item_days WHERE quantity <> 0 OR revenue <> 0 ORDER BY 1, 2, 3", []).map { "\($0)" }
        }
        let incremental = try await rollup()
        _ = try await engine.query("DELETE FROM sales_quarters", [])
        _ = try await engine.query("DELETE FROM sales_item_days", [])
        for statement in SalesRollup.migration(SQLiteEngine.dialect, menuIDType: "TEXT")[2...3] {
            _ = try await engine.query(statement, [])
        }
        #expect(try await rollup() == incremental && incremental.count == 3, "one quarter hour, two menus")

        let to = try #require(CivilDate("2026-12-03"))
        let figures = try await store.salesFigures(
            storeID: plan.storeID, start: seoul.start(of: day), end: seoul.start(of: to.adding(days: 1)), timeZone: seoul)
        let report = SalesReport(figures: figures, from: day, to: to, timeZone: seoul)
        #expect(report.days.map(\.date) == ["2026-12-01", "2026-12-02", "2026-12-03"])
        #expect(report.days.map(\.orders) == [1, 0, 0])
        #expect(report.totals.orders == 1 && report.totals.revenue == 11000 + 28000, "net of the cancelled portion")
        #expect(report.totals.cancelledOrders == 1 && report.totals.rejectedOrders == 1)
        #expect(report.hours.count == 24 && report.hours[23].orders == 1 && report.hours[14].orders == 0)
        #expect(report.items.map(\.revenue) == [28000, 11000], "by revenue, highest first")
        #expect(report.items.map(\.quantity) == [1, 1])
        #expect(report.timezone == "Asia/Seoul")
        // A single date holds no whole UTC day in Seoul: its items are added up from the rows themselves.
        let single = try await store.salesFigures(
            storeID: plan.storeID, start: seoul.start(of: day), end: seoul.start(of: day.adding(days: 1)), timeZone: seoul)
        #expect(single.items.sorted { $0.revenue > $1.revenue } == report.items && single.buckets == figures.buckets)
    }
}
