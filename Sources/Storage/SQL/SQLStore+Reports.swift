import Foundation
import TableOrderCore

/// The sales report's reads (contract v1.1 §7), added up by the database: the orders by quarter hour,
/// the cancelled and rejected ones, and the items, from the covering indexes of schema version 5. An
/// item is named as its menu is now.
extension SQLStore {
    public func storeTimeZone(storeID: String) async throws -> String? {
        try await engine.query("SELECT timezone FROM stores WHERE id = ?", [.text(storeID)]).first?.string(0)
    }

    public func salesFigures(storeID: String, start: Date, end: Date, timeZone: TimeZone) async throws -> SalesFigures {
        let dialect = engine.dialect
        return try await engine.snapshot { connection in
            for statement in dialect.reportSettings { try await connection.execute(statement) }
            let range: [SQLValue] = [.text(storeID), .date(start), .date(end)]
            let notCounted = "(o.status IN ('cancelled', 'rejected') OR o.deleted_at IS NOT NULL)"
            // The hour bucket of `o.created_at`, its binds, and how to read it as a local hour.
            let bucket: String, bucketBinds: [SQLValue]
            var place: (Int) -> Int
            switch dialect.hourBuckets {
            case .local(let expression):
                (bucket, bucketBinds, place) = (expression("o.created_at"), [.text(timeZone.identifier)], { $0 })
            case .utcQuarters(let expression):
                var cursor = OffsetCursor(timeZone: timeZone)
                (bucket, bucketBinds, place) = (expression("o.created_at"), [], { cursor.localHour($0 * 900) })
            }
            // Every order of the range by hour, then less those that count for nothing.
            var buckets: [Int: SalesFigures.Bucket] = [:]
            for row in try await connection.query(
                """
                SELECT \(bucket) AS b, count(*), CAST(sum(o.total_amount) AS BIGINT)
                FROM orders o WHERE o.store_id = ? AND o.created_at >= ? AND o.created_at < ? GROUP BY b ORDER BY b
                """, bucketBinds + range)
            {
                let hour = place(try row.int(0))
                buckets[hour, default: .init(localHour: hour, orders: 0, revenue: 0)].orders += try row.int(1)
                buckets[hour]!.revenue += try row.int(2)
            }
            var cancelled = 0, rejected = 0
            for row in try await connection.query(
                """
                SELECT \(bucket) AS b, o.total_amount, o.status, o.deleted_at IS NULL
                FROM orders o WHERE o.store_id = ? AND o.created_at >= ? AND o.created_at < ? AND \(notCounted)
                ORDER BY b
                """, bucketBinds + range)
            {
                let hour = place(try row.int(0))
                buckets[hour]?.orders -= 1
                buckets[hour]?.revenue -= try row.int(1)
                guard try row.bool(3) else { continue }  // a deleted order is in no count
                switch try row.string(2) {
                case "cancelled": cancelled += 1
                case "rejected": rejected += 1
                default: break
                }
            }
            // The same for the items: all of the range, less those of the orders that count for nothing.
            var items: [UUID: (quantity: Int, revenue: Int)] = [:]
            for row in try await connection.query(
                """
                SELECT i.menu_id, CAST(sum(i.quantity - i.cancelled_quantity) AS BIGINT), CAST(sum(i.subtotal) AS BIGINT)
                FROM order_items i WHERE i.store_id = ? AND i.created_at >= ? AND i.created_at < ? GROUP BY i.menu_id
                """, range)
            {
                items[try row.uuid(0)] = (try row.int(1), try row.int(2))
            }
            for row in try await connection.query(
                """
                SELECT i.menu_id, CAST(sum(i.quantity - i.cancelled_quantity) AS BIGINT), CAST(sum(i.subtotal) AS BIGINT)
                FROM orders o JOIN order_items i ON i.order_id = o.id
                WHERE o.store_id = ? AND o.created_at >= ? AND o.created_at < ? AND \(notCounted) GROUP BY i.menu_id
                """, range)
            {
                let menuID = try row.uuid(0)
                items[menuID]?.quantity -= try row.int(1)
                items[menuID]?.revenue -= try row.int(2)
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
