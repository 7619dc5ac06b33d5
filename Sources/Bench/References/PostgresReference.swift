import Foundation
import Logging
import TableOrderCore
import TableOrderStorage

/// What PostgreSQL alone allows for our rows: each order is its row, three item rows and an event row
/// (with the store's event counter bumped, as the worker does), written by one client with one statement
/// per table per transaction, either one order per transaction or `batch` per transaction.
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
            _ = try await engine.transaction { connection in
                guard let row = try await connection.first(
                    "UPDATE stores SET last_event_id = last_event_id + ? WHERE id = ? RETURNING last_event_id",
                    [.int(count), .text(storeID)])
                else { throw BenchError("no store \(storeID)") }
                let firstEvent = try row.int(0) - count + 1
                let ids = (0..<count).map { _ in UUID() }
                try await connection.execute(
                    """
                    INSERT INTO orders (id, store_id, table_id, session_id, status, total_amount, note, request_hash,
                                        created_at, updated_at)
                    VALUES \(SQLDialect.rows(count, columns: 9, template: "(?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)"))
                    """,
                    ids.flatMap { id -> [SQLValue] in
                        [.uuid(id), .text(storeID), .uuid(tableID), .uuid(sessionID), .int(36_000), .null, .text("reference"), .date(now), .date(now)]
                    })
                try await connection.execute(
                    """
                    INSERT INTO order_items (order_id, line_no, menu_id, name, unit_price, quantity, subtotal)
                    VALUES \(SQLDialect.rows(count * 3, columns: 7))
                    """,
                    ids.flatMap { id in
                        (0..<3).flatMap { line -> [SQLValue] in
                            [.uuid(id), .int(line), .uuid(menuID), .text("Menu \(line)"), .int(6_000), .int(2), .int(12_000)]
                        }
                    })
                try await connection.execute(
                    "INSERT INTO events (store_id, id, type, data, occurred_at) VALUES \(SQLDialect.rows(count, columns: 5))",
                    (0..<count).flatMap { offset -> [SQLValue] in
                        [.text(storeID), .int(firstEvent + offset), .text("order_created"), .text(eventData), .date(now)]
                    })
            }
            written += count
        }
        return Double(orders) / seconds(since: start)
    }
}
