import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresDatabase: WriteDatabase {
    public func transaction<T: Sendable>(_ body: @Sendable (any WriteTransaction) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in
            try await body(PostgresWriteTransaction(connection: connection, logger: logger))
        }
    }

    public func prune(olderThan cutoff: Date) async throws -> Int {
        var removed = 0
        for query: PostgresQuery in [
            "DELETE FROM events WHERE occurred_at < \(cutoff) RETURNING 1",
            "DELETE FROM processed_commands WHERE processed_at < \(cutoff) RETURNING 1",
        ] {
            for try await _ in try await client.query(query, logger: logger) { removed += 1 }
        }
        return removed
    }

    public func isTransient(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError { return isTransient(inner) }
            return true  // BEGIN or COMMIT failed: the connection, not the command
        }
        if let psql = error as? PSQLError {
            // A server-side SQL error means the command cannot apply, except for the classes that describe
            // the server's state (serialization/deadlock 40, connection 08, shutdown 57, resources 53).
            guard psql.code == .server else { return true }
            let state = psql.serverInfo?[.sqlState] ?? ""
            return ["40", "08", "57", "53"].contains(String(state.prefix(2)))
        }
        if error is CommandRejection { return false }
        return true
    }
}

struct PostgresWriteTransaction: WriteTransaction {
    let connection: PostgresConnection
    let logger: Logger

    func lockStores(_ storeIDs: [String]) async throws {
        let sorted = Array(Set(storeIDs)).sorted()
        try await connection.query(
            "SELECT id FROM stores WHERE id = ANY(\(sorted)) ORDER BY id FOR UPDATE", logger: logger)
    }

    func orderExists(_ id: UUID) async throws -> Bool {
        try await returnsRow("SELECT 1 FROM orders WHERE id = \(id)")
    }

    func menuRows(storeID: String, ids: [UUID]) async throws -> [UUID: (name: String, price: Int)] {
        var out: [UUID: (name: String, price: Int)] = [:]
        let rows = try await connection.query(
            "SELECT id, name, price FROM menus WHERE store_id = \(storeID) AND id = ANY(\(ids))", logger: logger)
        for try await (id, name, price) in rows.decode((UUID, String, Int).self) { out[id] = (name, price) }
        return out
    }

    func lockTable(storeID: String, tableID: UUID) async throws -> (number: Int, sessionID: UUID?)? {
        let rows = try await connection.query(
            """
            SELECT table_number, current_session_id FROM dining_tables
            WHERE id = \(tableID) AND store_id = \(storeID) FOR UPDATE
            """, logger: logger)
        for try await (number, session) in rows.decode((Int, UUID?).self) { return (number, session) }
        return nil
    }

    func openSession(storeID: String, tableID: UUID, id: UUID, at: Date) async throws {
        try await connection.query(
            """
            INSERT INTO table_sessions (id, store_id, table_id, started_at) VALUES (\(id), \(storeID), \(tableID), \(at))
            """, logger: logger)
        try await connection.query(
            "UPDATE dining_tables SET current_session_id = \(id) WHERE id = \(tableID)", logger: logger)
    }

    func insertOrder(_ order: NewOrder) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO orders (id, store_id, table_id, session_id, status, total_amount, note, request_hash,
                                created_at, updated_at)
            VALUES (\(order.id), \(order.storeID), \(order.tableID), \(order.sessionID), 'pending',
                    \(order.totalAmount), \(order.note), \(order.requestHash), \(order.createdAt), \(order.createdAt))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return false }
        let lineNumbers = Array(0..<order.items.count)
        let menuIDs = order.items.map { UUID(uuidString: $0.menuID) ?? UUID() }
        let names = order.items.map(\.name)
        let prices = order.items.map(\.unitPrice)
        let quantities = order.items.map(\.quantity)
        let subtotals = order.items.map(\.subtotal)
        try await connection.query(
            """
            INSERT INTO order_items (order_id, line_no, menu_id, name, unit_price, quantity, subtotal)
            SELECT \(order.id), * FROM unnest(\(lineNumbers)::int[], \(menuIDs)::uuid[], \(names)::text[],
                                            \(prices)::int[], \(quantities)::int[], \(subtotals)::bigint[])
            """, logger: logger)
        return true
    }

    func appendEvent(storeID: String, body: EventBody, at: Date) async throws -> StoreEvent {
        let rows = try await connection.query(
            "UPDATE stores SET last_event_id = last_event_id + 1 WHERE id = \(storeID) RETURNING last_event_id",
            logger: logger)
        var id: Int64?
        for try await value in rows.decode(Int64.self) { id = value }
        guard let id else { throw CommandRejection("store \(storeID) does not exist") }
        let event = try body.makeEvent(storeID: storeID, id: id, occurredAt: Timestamp.string(at))
        try await connection.query(
            """
            INSERT INTO events (store_id, id, type, data, occurred_at)
            VALUES (\(storeID), \(id), \(event.type), \(event.data), \(at))
            """, logger: logger)
        return event
    }
}
