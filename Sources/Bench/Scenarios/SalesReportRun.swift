import Foundation
import TableOrderCore
import TableOrderStorage

/// (e) The sales report of a store with `orders` orders of three lines over the last 364 days, asked for the
/// year through the API, `requests` times one after another: how long each answer takes.
struct SalesReportRun {
    struct Result: Codable {
        var orders: Int
        var requests: Int
        var latency: LatencySummary
        /// What the report counted: every order but the cancelled (one in 50) and rejected (one in 97).
        var countedOrders: Int

        enum CodingKeys: String, CodingKey {
            case orders, requests, latency
            case countedOrders = "counted_orders"
        }
    }

    let env: BenchEnvironment
    let database: PostgresEngine

    func run(orders: Int, requests: Int) async throws -> Result {
        let store = try await BenchStore.seed(env, name: "sales", tables: 20)
        try await fill(store, orders: orders)
        var samples: [UInt64] = []
        var counted = 0
        let today = TimeZone(identifier: "Asia/Seoul")!.local(Date()).date  // the seeded stores' time zone
        let yearAgo = today.adding(days: -364)
        for _ in 0..<requests {
            let start = monotonicNanoseconds()
            let answer = try await BenchHTTP.request(
                "\(env.apiBase)/api/admin/reports/sales?from=\(yearAgo)&to=\(today)", token: store.adminToken)
            samples.append(monotonicNanoseconds() - start)
            guard answer.status == 200 else { throw BenchError("sales report: \(answer.status)") }
            counted = ((answer.json["totals"] as? [String: Any])?["orders"] as? Int) ?? -1
        }
        return Result(orders: orders, requests: requests, latency: LatencySummary(nanoseconds: samples), countedOrders: counted)
    }

    /// The orders written straight into PostgreSQL, one every 364 days / `orders` back from now (all inside the
    /// report's 365 local dates), each with
    /// three lines of the demo menu, the sales rollup computed from them (as the worker would have kept it),
    /// then `VACUUM ANALYZE` (as autovacuum would have done to a year's rows).
    private func fill(_ store: BenchStore, orders: Int) async throws {
        let spacing = 364 * 86_400 / max(orders, 1)
        let storeID = store.storeID
        _ = try await database.query(
            """
            INSERT INTO table_sessions (id, store_id, table_id, started_at, ended_at)
            SELECT md5(t.id::text)::uuid, t.store_id, t.id, now() - interval '366 days', now()
            FROM dining_tables t WHERE t.store_id = ?
            """, [.text(storeID)])
        _ = try await database.query(
            """
            INSERT INTO orders (id, store_id, table_id, session_id, status, total_amount, note, request_hash,
                                created_at, updated_at)
            SELECT md5(? || g)::uuid, t.store_id, t.id, md5(t.id::text)::uuid,
                   CASE WHEN g % 50 = 0 THEN 'cancelled' WHEN g % 97 = 0 THEN 'rejected' ELSE 'completed' END,
                   30000, NULL, 'bench', now() - g * make_interval(secs => ?), now() - g * make_interval(secs => ?)
            FROM generate_series(1, ?) g
            JOIN dining_tables t ON t.store_id = ? AND t.table_number = 1 + g % 20
            """, [.text(storeID), .int(spacing), .int(spacing), .int(orders), .text(storeID)])
        _ = try await database.query(
            """
            INSERT INTO order_items (order_id, line_no, menu_id, name, unit_price, quantity, subtotal, store_id, created_at)
            SELECT o.id, l, m.id, m.name, 10000, 1, 10000, o.store_id, o.created_at
            FROM orders o CROSS JOIN generate_series(0, 2) l
            JOIN LATERAL (
                SELECT id, name FROM menus WHERE store_id = o.store_id ORDER BY id
                OFFSET (abs(hashtext(o.id::text)) + l) % 10 LIMIT 1) m ON true
            WHERE o.store_id = ?
            """, [.text(storeID)])
        try await SQLStore(engine: database).rebuildSales(storeID: storeID)
        _ = try await database.query("VACUUM ANALYZE orders", [])
        _ = try await database.query("VACUUM ANALYZE order_items", [])
        _ = try await database.query("VACUUM ANALYZE sales_quarters", [])
        _ = try await database.query("VACUUM ANALYZE sales_item_days", [])
    }
}
