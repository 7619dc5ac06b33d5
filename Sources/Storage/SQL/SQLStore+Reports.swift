import Foundation
import TableOrderCore

/// The sales report's reads (contract v1.1 §7), added up by the database: the orders by quarter hour,
/// the cancelled and rejected ones, and the items. `orders_sales` and `orders_by_store` cover them.
extension SQLStore {
    public func storeTimeZone(storeID: String) async throws -> String? {
        try await engine.query("SELECT timezone FROM stores WHERE id = ?", [.text(storeID)]).first?.string(0)
    }

    public func salesFigures(storeID: String, start: Date, end: Date) async throws -> SalesFigures {
        try await engine.snapshot { connection in
            let range: [SQLValue] = [.text(storeID), .date(start), .date(end)]
            let counted = "o.store_id = ? AND o.created_at >= ? AND o.created_at < ? AND o.deleted_at IS NULL"
            let buckets = try await connection.query(
                """
                SELECT \(self.engine.dialect.quarterHour("o.created_at")) AS q, count(*),
                       CAST(sum(o.total_amount) AS BIGINT)
                FROM orders o WHERE \(counted) AND o.status NOT IN ('cancelled', 'rejected')
                GROUP BY q
                """, range
            ).map { SalesFigures.Bucket(quarterHour: try $0.int(0), orders: try $0.int(1), revenue: try $0.int(2)) }
            var cancelled = 0, rejected = 0
            for row in try await connection.query(
                "SELECT o.status, count(*) FROM orders o WHERE \(counted) AND o.status IN ('cancelled', 'rejected') GROUP BY o.status",
                range)
            {
                if try row.string(0) == "cancelled" { cancelled = try row.int(1) } else { rejected = try row.int(1) }
            }
            let items = try await connection.query(
                """
                SELECT i.menu_id, max(i.name), CAST(sum(i.quantity - i.cancelled_quantity) AS BIGINT),
                       CAST(sum(i.subtotal) AS BIGINT)
                FROM orders o JOIN order_items i ON i.order_id = o.id
                WHERE \(counted) AND o.status NOT IN ('cancelled', 'rejected')
                GROUP BY i.menu_id
                """, range
            ).map {
                SalesReport.Item(
                    menuID: try $0.uuid(0).lowercased, name: try $0.string(1), quantity: try $0.int(2), revenue: try $0.int(3))
            }
            return SalesFigures(buckets: buckets, cancelledOrders: cancelled, rejectedOrders: rejected, items: items)
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
