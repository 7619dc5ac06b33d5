import Foundation
import Logging
import TableOrderCommon

/// What PostgreSQL alone allows for our rows: each order is its row, three item rows and an event row
/// (with the store's event counter bumped, as the worker does), written by one client, either one order
/// per transaction or `batch` per transaction.
struct PostgresReference {
    let engine: PostgresEngine
    let storeID: String
    let tableID: UUID

    /// Orders per second.
    func run(orders: Int, batch: Int) async throws -> Double {
        let sessionID = UUID()
        let now = Date()
        _ = try await engine.transaction { connection in
            try await connection.execute(
                "INSERT INTO table_sessions (id, store_id, table_id, started_at) VALUES (?, ?, ?, ?)",
                [.uuid(sessionID), .text(storeID), .uuid(tableID), .date(now)])
        }
        let menuID = UUID()
        let eventData = String(repeating: "x", count: 400)
        let start = monotonicNanoseconds()
        var written = 0
        while written < orders {
            let count = min(batch, orders - written)
            try await engine.transaction { connection in
                for _ in 0..<count {
                    let orderID = UUID()
                    guard let row = try await connection.first(
                        "UPDATE stores SET last_event_id = last_event_id + 1 WHERE id = ? RETURNING last_event_id",
                        [.text(storeID)])
                    else { throw BenchError("no store \(storeID)") }
                    try await connection.execute(
                        """
                        INSERT INTO orders (id, store_id, table_id, session_id, status, total_amount, note, request_hash,
                                            created_at, updated_at)
                        VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO NOTHING RETURNING 1
                        """,
                        [
                            .uuid(orderID), .text(storeID), .uuid(tableID), .uuid(sessionID), .int(36_000), .null,
                            .text("reference"), .date(now), .date(now),
                        ])
                    var binds: [SQLValue] = []
                    for line in 0..<3 {
                        binds += [.uuid(orderID), .int(line), .uuid(menuID), .text("Menu \(line)"), .int(6_000), .int(2), .int(12_000)]
                    }
                    try await connection.execute(
                        """
                        INSERT INTO order_items (order_id, line_no, menu_id, name, unit_price, quantity, subtotal)
                        VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)
                        """, binds)
                    try await connection.execute(
                        "INSERT INTO events (store_id, id, type, data, occurred_at) VALUES (?, ?, ?, ?, ?)",
                        [.text(storeID), .int(Int(try row.int64(0))), .text("order_created"), .text(eventData), .date(now)])
                }
            }
            written += count
        }
        return Double(orders) / seconds(since: start)
    }
}
