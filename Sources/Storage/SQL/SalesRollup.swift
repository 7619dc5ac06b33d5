import Foundation
import TableOrderCore

/// The sales report's running totals (schema version 6). A report of a year must not add up a year of rows
/// (100,000 orders took 230 ms from covering indexes alone), so every write that changes what an order
/// counts for keeps two small tables in step, in its own transaction:
/// - `sales_quarters`: per store and UTC quarter hour, the counted orders and their revenue, and the
///   cancelled and rejected ones. Every zone's offset is a whole number of quarter hours, so a report can
///   place each quarter in a local hour.
/// - `sales_item_days`: per store, UTC day and menu, the portions sold and their revenue. A report takes
///   the whole UTC days of its range from here and the two partial ones from the items themselves.
///
/// A write takes an order's share away, changes the order, and adds its share back (`SQLWriteTransaction`),
/// so these statements are the one place that says what an order counts for.
enum SalesRollup {
    /// An order that counts in the sales: not deleted, not cancelled, not rejected.
    static let counted = "o.deleted_at IS NULL AND o.status NOT IN ('cancelled', 'rejected')"

    enum Sign: String {
        case add = "1", takeAway = "-1"
    }

    /// Adds or takes away the quarter-hour share of the orders `o` that `filter` selects.
    static func quarters(_ dialect: SQLDialect, _ sign: Sign, filter: String) -> String {
        let s = sign.rawValue
        return """
            INSERT INTO sales_quarters (store_id, quarter, orders, revenue, cancelled, rejected)
            SELECT o.store_id, \(dialect.wholePeriods("o.created_at", seconds: 900)),
                \(s) * sum(CASE WHEN \(counted) THEN 1 ELSE 0 END),
                \(s) * sum(CASE WHEN \(counted) THEN o.total_amount ELSE 0 END),
                \(s) * sum(CASE WHEN o.deleted_at IS NULL AND o.status = 'cancelled' THEN 1 ELSE 0 END),
                \(s) * sum(CASE WHEN o.deleted_at IS NULL AND o.status = 'rejected' THEN 1 ELSE 0 END)
            FROM orders o WHERE \(filter) GROUP BY 1, 2
            ON CONFLICT (store_id, quarter) DO UPDATE SET
                orders = sales_quarters.orders + excluded.orders, revenue = sales_quarters.revenue + excluded.revenue,
                cancelled = sales_quarters.cancelled + excluded.cancelled,
                rejected = sales_quarters.rejected + excluded.rejected
            """
    }

    /// Adds or takes away the daily share of the items of the counted orders `o` that `filter` selects.
    static func itemDays(_ dialect: SQLDialect, _ sign: Sign, filter: String) -> String {
        let s = sign.rawValue
        return """
            INSERT INTO sales_item_days (store_id, day, menu_id, quantity, revenue)
            SELECT o.store_id, \(dialect.wholePeriods("o.created_at", seconds: 86_400)), i.menu_id,
                \(s) * sum(i.quantity - i.cancelled_quantity), \(s) * sum(i.subtotal)
            FROM orders o JOIN order_items i ON i.order_id = o.id WHERE (\(filter)) AND \(counted) GROUP BY 1, 2, 3
            ON CONFLICT (store_id, day, menu_id) DO UPDATE SET
                quantity = sales_item_days.quantity + excluded.quantity,
                revenue = sales_item_days.revenue + excluded.revenue
            """
    }

    /// The schema version 6 statements: the two tables, filled from the orders already stored.
    static func migration(_ dialect: SQLDialect, menuIDType: String) -> [String] {
        [
            """
            CREATE TABLE sales_quarters (store_id TEXT NOT NULL, quarter BIGINT NOT NULL, orders BIGINT NOT NULL,
                revenue BIGINT NOT NULL, cancelled BIGINT NOT NULL, rejected BIGINT NOT NULL,
                PRIMARY KEY (store_id, quarter))
            """,
            """
            CREATE TABLE sales_item_days (store_id TEXT NOT NULL, day BIGINT NOT NULL, menu_id \(menuIDType) NOT NULL,
                quantity BIGINT NOT NULL, revenue BIGINT NOT NULL, PRIMARY KEY (store_id, day, menu_id))
            """,
            quarters(dialect, .add, filter: "1 = 1"),
            itemDays(dialect, .add, filter: "1 = 1"),
            // The report no longer adds up a range of orders (the items' index stays, for the partial days).
            "DROP INDEX orders_sales",
            "DROP INDEX orders_not_counted",
        ]
    }
}

extension SQLStore {
    /// Recomputes a store's rollup from its orders, as the migration did for the orders stored before it:
    /// for orders written without it (workers of an older version during a rolling upgrade, through
    /// `tableorder-worker rebuild-sales`; the benchmark's year of orders filled in SQL).
    public func rebuildSales(storeID: String) async throws {
        let dialect = engine.dialect
        try await engine.transaction { connection in
            try await connection.execute("DELETE FROM sales_quarters WHERE store_id = ?", [.text(storeID)])
            try await connection.execute("DELETE FROM sales_item_days WHERE store_id = ?", [.text(storeID)])
            try await connection.execute(SalesRollup.quarters(dialect, .add, filter: "o.store_id = ?"), [.text(storeID)])
            try await connection.execute(SalesRollup.itemDays(dialect, .add, filter: "o.store_id = ?"), [.text(storeID)])
        }
    }
}

extension SQLWriteTransaction {
    /// Runs `change` on the orders `ids` with their sales share taken away before and added back after.
    func keepingSales(of ids: [UUID], _ change: () async throws -> Void) async throws {
        try await applySales(.takeAway, of: ids)
        try await change()
        try await applySales(.add, of: ids)
    }

    func applySales(_ sign: SalesRollup.Sign, of ids: [UUID]) async throws {
        for chunk in ids.chunks(of: Self.rowsPerInsert) {
            let filter = "o.id IN \(SQLDialect.list(chunk.count))"
            let binds = chunk.map(SQLValue.uuid)
            try await connection.execute(SalesRollup.quarters(dialect, sign, filter: filter), binds)
            try await connection.execute(SalesRollup.itemDays(dialect, sign, filter: filter), binds)
        }
    }
}
