import Foundation
import PostgresNIO

/// The steps of the status, delete, menu and table commands.
extension PostgresWriteTransaction {
    func claimCommand(_ id: UUID, at: Date) async throws -> Bool {
        try await returnsRow(
            """
            INSERT INTO processed_commands (command_id, processed_at) VALUES (\(id), \(at))
            ON CONFLICT (command_id) DO NOTHING RETURNING 1
            """)
    }

    func lockOrder(storeID: String, orderID: UUID) async throws -> (status: OrderStatus, tableID: UUID, deleted: Bool)? {
        let rows = try await connection.query(
            """
            SELECT status, table_id, deleted_at IS NOT NULL FROM orders
            WHERE id = \(orderID) AND store_id = \(storeID) FOR UPDATE
            """, logger: logger)
        for try await (status, tableID, deleted) in rows.decode((String, UUID, Bool).self) {
            guard let parsed = OrderStatus(rawValue: status) else { throw CommandRejection("unknown stored status") }
            return (parsed, tableID, deleted)
        }
        return nil
    }

    func setOrderStatus(orderID: UUID, status: OrderStatus, at: Date) async throws {
        try await connection.query(
            "UPDATE orders SET status = \(status.rawValue), updated_at = \(at) WHERE id = \(orderID)", logger: logger)
    }

    func markOrderDeleted(orderID: UUID, at: Date) async throws {
        try await connection.query(
            "UPDATE orders SET deleted_at = \(at), updated_at = \(at) WHERE id = \(orderID)", logger: logger)
    }

    func sessionTotal(sessionID: UUID) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT coalesce(sum(total_amount), 0)::int8 FROM orders
            WHERE session_id = \(sessionID) AND deleted_at IS NULL AND status <> 'cancelled'
            """, logger: logger)
        for try await total in rows.decode(Int.self) { return total }
        return 0
    }

    func endSession(tableID: UUID, sessionID: UUID, at: Date) async throws {
        try await connection.query("UPDATE table_sessions SET ended_at = \(at) WHERE id = \(sessionID)", logger: logger)
        try await connection.query(
            "UPDATE dining_tables SET current_session_id = NULL WHERE id = \(tableID)", logger: logger)
    }

    func categoryExists(storeID: String, categoryID: UUID) async throws -> Bool {
        try await returnsRow(
            "SELECT 1 FROM categories WHERE id = \(categoryID) AND store_id = \(storeID) AND deleted_at IS NULL")
    }

    func insertCategory(_ command: CreateCategory, id: UUID) async throws -> Bool {
        try await returnsRow(
            """
            INSERT INTO categories (id, store_id, name, sort_order)
            VALUES (\(id), \(command.storeID), \(command.name), \(command.sortOrder))
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """)
    }

    func insertMenu(_ command: CreateMenu, id: UUID, categoryID: UUID) async throws -> Bool {
        try await returnsRow(
            """
            INSERT INTO menus (id, store_id, category_id, name, price, description, image_url, is_available, sort_order)
            VALUES (\(id), \(command.storeID), \(categoryID), \(command.name), \(command.price), \(command.description),
                    \(command.imageURL), \(command.isAvailable), \(command.sortOrder))
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """)
    }

    func updateMenu(_ command: UpdateMenu, id: UUID, categoryID: UUID?) async throws -> Bool {
        try await returnsRow(
            """
            UPDATE menus SET
                category_id = coalesce(\(categoryID), category_id),
                name = coalesce(\(command.name), name),
                price = coalesce(\(command.price), price),
                description = coalesce(\(command.description), description),
                image_url = coalesce(\(command.imageURL), image_url),
                is_available = coalesce(\(command.isAvailable), is_available),
                sort_order = coalesce(\(command.sortOrder), sort_order)
            WHERE id = \(id) AND store_id = \(command.storeID) AND deleted_at IS NULL
            RETURNING 1
            """)
    }

    func deleteMenu(storeID: String, id: UUID, at: Date) async throws -> Bool {
        try await returnsRow(
            """
            UPDATE menus SET deleted_at = \(at) WHERE id = \(id) AND store_id = \(storeID) AND deleted_at IS NULL
            RETURNING 1
            """)
    }

    func upsertTable(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws {
        try await connection.query(
            """
            INSERT INTO dining_tables (id, store_id, table_number, password_hash)
            VALUES (\(tableID), \(storeID), \(number), \(passwordHash))
            ON CONFLICT (store_id, table_number) DO UPDATE SET password_hash = EXCLUDED.password_hash
            """, logger: logger)
    }

    /// Runs a statement and tells whether it produced a row (`RETURNING 1`, `SELECT 1`).
    func returnsRow(_ query: PostgresQuery) async throws -> Bool {
        let rows = try await connection.query(query, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
