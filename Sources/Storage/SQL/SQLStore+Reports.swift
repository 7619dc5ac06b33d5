import Foundation
import TableOrderCore

/// The sales report's reads (contract v1.1 §7), from the rollup every write keeps (`SalesRollup`): the
/// orders by quarter hour placed in local hours, the items by whole UTC days plus the partial days at either
/// end of the range from the items themselves (both sides of that join bounded by their own index, so a
/// planner misled by other stores' fresh rows cannot scan every order). An item is named as its menu is now.
extension SQLStore {
    public func storeTimeZone(storeID: String) async throws -> String? {
        try await engine.query("SELECT timezone FROM stores WHERE id = ?", [.text(storeID)]).first?.string(0)
    }

    public func salesFigures(storeID: String, start: Date, end: Date, timeZone: TimeZone) async throws -> SalesFigures {
        let seconds = (start: Int(start.timeIntervalSince1970.rounded(.down)), end: Int(end.timeIntervalSince1970.rounded(.down)))
        let settings = engine.dialect.reportSettings
        return try await engine.snapshot { connection in
            for statement in settings { try await connection.execute(statement) }
            // The orders, by the local hour of each quarter hour of the range: the zone's offsets over the
            // range go in as integers, so both engines add up by local hour without knowing time zones.
            let offsets = QuarterHourOffsets(timeZone: timeZone, from: start, to: end).segments
            var offset = "?", offsetBinds: [SQLValue] = [.int(offsets[0].offset)]
            if offsets.count > 1 {
                offset = "CASE" + String(repeating: " WHEN quarter < ? THEN ?", count: offsets.count - 1) + " ELSE ? END"
                offsetBinds = zip(offsets, offsets.dropFirst()).flatMap { [.int($1.from), .int($0.offset)] }
                    + [.int(offsets.last!.offset)]
            }
            let rows = try await connection.query(
                """
                SELECT (quarter + \(offset)) / 4 AS local_hour, CAST(sum(orders) AS BIGINT), CAST(sum(revenue) AS BIGINT),
                    CAST(sum(cancelled) AS BIGINT), CAST(sum(rejected) AS BIGINT)
                FROM sales_quarters WHERE store_id = ? AND quarter >= ? AND quarter < ? GROUP BY local_hour
                """, offsetBinds + [.text(storeID), .int(seconds.start / 900), .int(seconds.end / 900)])
            var buckets: [Int: SalesFigures.Bucket] = [:]
            var cancelled = 0, rejected = 0
            for row in rows {
                let hour = try row.int(0)
                buckets[hour, default: .init(localHour: hour, orders: 0, revenue: 0)].orders += try row.int(1)
                buckets[hour]!.revenue += try row.int(2)
                cancelled += try row.int(3)
                rejected += try row.int(4)
            }
            // The items: whole UTC days from the rollup, the rest of the range from the items of counted orders.
            var items: [UUID: (quantity: Int, revenue: Int)] = [:]
            func add(_ rows: [SQLRow]) throws {
                for row in rows {
                    items[try row.uuid(0), default: (0, 0)].quantity += try row.int(1)
                    items[try row.uuid(0)]!.revenue += try row.int(2)
                }
            }
            func addItems(from: Date, to: Date) async throws {
                guard from < to else { return }
                try add(
                    try await connection.query(
                        """
                        SELECT i.menu_id, CAST(sum(i.quantity - i.cancelled_quantity) AS BIGINT), CAST(sum(i.subtotal) AS BIGINT)
                        FROM orders o JOIN order_items i ON i.order_id = o.id
                        WHERE o.store_id = ? AND o.created_at >= ? AND o.created_at < ? AND \(SalesRollup.counted)
                            AND i.store_id = ? AND i.created_at >= ? AND i.created_at < ?
                        GROUP BY i.menu_id
                        """, [.text(storeID), .date(from), .date(to), .text(storeID), .date(from), .date(to)]))
            }
            let wholeDays = (first: (seconds.start + 86_399) / 86_400, end: seconds.end / 86_400)
            if wholeDays.first < wholeDays.end {
                try add(
                    try await connection.query(
                        """
                        SELECT menu_id, CAST(sum(quantity) AS BIGINT), CAST(sum(revenue) AS BIGINT) FROM sales_item_days
                        WHERE store_id = ? AND day >= ? AND day < ? GROUP BY menu_id
                        """, [.text(storeID), .int(wholeDays.first), .int(wholeDays.end)]))
                try await addItems(from: start, to: Date(timeIntervalSince1970: TimeInterval(wholeDays.first * 86_400)))
                try await addItems(from: Date(timeIntervalSince1970: TimeInterval(wholeDays.end * 86_400)), to: end)
            } else {
                try await addItems(from: start, to: end)
            }
            let sold = items.filter { $0.value.quantity > 0 || $0.value.revenue != 0 }
            var names: [UUID: String] = [:]
            for chunk in Array(sold.keys).chunks(of: 1_000) {
                for row in try await connection.query(
                    "SELECT id, name FROM menus WHERE id IN \(SQLDialect.list(chunk.count))", chunk.map(SQLValue.uuid))
                {
                    names[try row.uuid(0)] = try row.string(1)
                }
            }
            return SalesFigures(
                buckets: buckets.values.filter { $0.orders > 0 }.sorted { $0.localHour < $1.localHour },
                cancelledOrders: cancelled, rejectedOrders: rejected,
                items: sold.map { menuID, figures in
                    SalesReport.Item(
                        menuID: menuID.lowercased, name: names[menuID] ?? "", quantity: figures.quantity,
                        revenue: figures.revenue)
                })
        }
    }
}

extension SQLWriteTransaction {
    func updateStore(_ command: UpdateStore) async throws {
        try await connection.execute(
            "UPDATE stores SET name = coalesce(?, name), timezone = coalesce(?, timezone) WHERE id = ?",
            [.optional(command.name), .optional(command.timeZone), .text(command.storeID)])
    }
}
