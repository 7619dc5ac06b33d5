import Foundation
import Logging
import PostgresNIO

extension PostgresDatabase: ReadRepository {
    public func storeExists(_ storeID: String) async throws -> Bool {
        let rows = try await client.query("SELECT 1 FROM stores WHERE id = \(storeID)", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func menu(storeID: String) async throws -> StoreMenu? {
        guard try await storeExists(storeID) else { return nil }
        var categories: [MenuCategory] = []
        let categoryRows = try await client.query(
            """
            SELECT id, name, sort_order FROM categories
            WHERE store_id = \(storeID) AND deleted_at IS NULL ORDER BY sort_order, name, id
            """, logger: logger)
        for try await (id, name, sortOrder) in categoryRows.decode((UUID, String, Int).self) {
            categories.append(MenuCategory(id: id.lowercased, name: name, sortOrder: sortOrder))
        }
        var menus: [MenuItem] = []
        let menuRows = try await client.query(
            """
            SELECT m.id, m.category_id, m.name, m.price, m.description, m.image_url, m.is_available, m.sort_order
            FROM menus m JOIN categories c ON c.id = m.category_id
            WHERE m.store_id = \(storeID) AND m.deleted_at IS NULL AND c.deleted_at IS NULL
            ORDER BY c.sort_order, m.sort_order, m.name, m.id
            """, logger: logger)
        for try await (id, categoryID, name, price, description, imageURL, isAvailable, sortOrder) in menuRows.decode(
            (UUID, UUID, String, Int, String?, String?, Bool, Int).self)
        {
            menus.append(
                MenuItem(
                    id: id.lowercased, categoryID: categoryID.lowercased, name: name, price: price,
                    description: description, imageURL: imageURL, isAvailable: isAvailable, sortOrder: sortOrder))
        }
        return StoreMenu(storeID: storeID, categories: categories, menus: menus)
    }

    public func adminCredential(storeID: String, username: String) async throws -> Credential? {
        let rows = try await client.query(
            "SELECT id, password_hash FROM admins WHERE store_id = \(storeID) AND username = \(username)",
            logger: logger)
        for try await (id, hash) in rows.decode((UUID, String).self) {
            return Credential(userID: id.lowercased, passwordHash: hash)
        }
        return nil
    }

    public func tableCredential(storeID: String, tableNumber: Int) async throws -> Credential? {
        let rows = try await client.query(
            """
            SELECT id, password_hash, table_number FROM dining_tables
            WHERE store_id = \(storeID) AND table_number = \(tableNumber)
            """, logger: logger)
        for try await (id, hash, number) in rows.decode((UUID, String, Int).self) {
            return Credential(userID: id.lowercased, passwordHash: hash, tableNumber: number)
        }
        return nil
    }

    public func order(id: UUID) async throws -> Order? {
        try await orders(where: "o.id = $1", bindings: id).first
    }

    public func orderRequestHash(id: UUID) async throws -> String? {
        let rows = try await client.query("SELECT request_hash FROM orders WHERE id = \(id)", logger: logger)
        for try await hash in rows.decode(String.self) { return hash }
        return nil
    }

    public func currentSessionOrders(tableID: UUID) async throws -> [Order] {
        try await orders(
            where: """
                o.session_id = (SELECT current_session_id FROM dining_tables WHERE id = $1) AND o.deleted_at IS NULL
                """, bindings: tableID)
    }

    public func adminSnapshot(storeID: String, status: OrderStatus?) async throws -> AdminOrdersSnapshot {
        // One REPEATABLE READ snapshot, so `last_event_id` is exactly the newest event the rows reflect.
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                var lastEventID: Int64 = 0
                for try await id in try await connection.query(
                    "SELECT last_event_id FROM stores WHERE id = \(storeID)", logger: logger
                ).decode(Int64.self) {
                    lastEventID = id
                }
                var bindings = PostgresBindings()
                try bindings.append(storeID)
                var filter = ""
                if let status {
                    try bindings.append(status.rawValue)
                    filter = " AND o.status = $2"
                }
                let orders = try await Self.orders(
                    on: connection, logger: logger,
                    where: """
                        o.store_id = $1 AND o.deleted_at IS NULL
                        AND o.session_id = t.current_session_id\(filter)
                        """, bindings: bindings)
                var tables: [String: AdminOrdersSnapshot.TableOrders] = [:]
                let tableRows = try await connection.query(
                    """
                    SELECT t.id, t.table_number FROM dining_tables t
                    WHERE t.store_id = \(storeID) AND t.current_session_id IS NOT NULL
                    """, logger: logger)
                for try await (id, number) in tableRows.decode((UUID, Int).self) {
                    tables[id.lowercased] = .init(tableID: id.lowercased, tableNumber: number, totalAmount: 0, orders: [])
                }
                for order in orders {
                    tables[order.tableID, default: .init(
                        tableID: order.tableID, tableNumber: order.tableNumber, totalAmount: 0, orders: [])]
                        .orders.append(order)
                    if order.countsTowardTotal { tables[order.tableID]?.totalAmount += order.totalAmount }
                }
                try await connection.query("COMMIT", logger: logger)
                let sorted = tables.values.sorted { $0.tableNumber < $1.tableNumber }
                return AdminOrdersSnapshot(lastEventID: lastEventID, tables: sorted)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    public func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent] {
        let rows = try await client.query(
            """
            SELECT id, type, data FROM events WHERE store_id = \(storeID) AND id > \(after)
            ORDER BY id LIMIT \(limit)
            """, logger: logger)
        var out: [StoreEvent] = []
        for try await (id, type, data) in rows.decode((Int64, String, String).self) {
            out.append(StoreEvent(storeID: storeID, id: id, type: type, data: data))
        }
        return out
    }

    public func lastEventID(storeID: String) async throws -> Int64 {
        let rows = try await client.query("SELECT last_event_id FROM stores WHERE id = \(storeID)", logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        return 0
    }

    public func oldestEventID(storeID: String) async throws -> Int64? {
        let rows = try await client.query("SELECT min(id) FROM events WHERE store_id = \(storeID)", logger: logger)
        for try await id in rows.decode(Int64?.self) { return id }
        return nil
    }

    // MARK: - Orders with their items

    private func orders(where condition: String, bindings value: some PostgresEncodable & Sendable) async throws
        -> [Order]
    {
        var bindings = PostgresBindings()
        try bindings.append(value)
        return try await client.withConnection { connection in
            try await Self.orders(on: connection, logger: logger, where: condition, bindings: bindings)
        }
    }

    static func orders(on connection: PostgresConnection, logger: Logger, where condition: String,
                       bindings: PostgresBindings) async throws -> [Order]
    {
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT o.id, o.store_id, o.table_id, t.table_number, o.session_id, o.status, o.total_amount,
                       o.note, o.created_at, o.updated_at, o.deleted_at
                FROM orders o JOIN dining_tables t ON t.id = o.table_id
                WHERE \(condition)
                ORDER BY o.created_at, o.id
                """, binds: bindings)
        var orders: [Order] = []
        var ids: [UUID] = []
        let rows = try await connection.query(query, logger: logger)
        for try await (id, storeID, tableID, number, sessionID, status, total, note, created, updated, deleted)
            in rows.decode((UUID, String, UUID, Int, UUID, String, Int, String?, Date, Date, Date?).self)
        {
            ids.append(id)
            orders.append(
                Order(
                    orderID: id.lowercased, storeID: storeID, tableID: tableID.lowercased, tableNumber: number,
                    sessionID: sessionID.lowercased, status: OrderStatus(rawValue: status) ?? .pending, items: [],
                    totalAmount: total, note: note, createdAt: Timestamp.string(created),
                    updatedAt: Timestamp.string(updated), deletedAt: deleted.map(Timestamp.string)))
        }
        guard !ids.isEmpty else { return [] }
        var items: [String: [OrderItem]] = [:]
        let itemRows = try await connection.query(
            """
            SELECT order_id, menu_id, name, unit_price, quantity FROM order_items
            WHERE order_id = ANY(\(ids)) ORDER BY order_id, line_no
            """, logger: logger)
        for try await (orderID, menuID, name, unitPrice, quantity) in itemRows.decode(
            (UUID, UUID, String, Int, Int).self)
        {
            items[orderID.lowercased, default: []].append(
                OrderItem(menuID: menuID.lowercased, name: name, unitPrice: unitPrice, quantity: quantity))
        }
        for index in orders.indices { orders[index].items = items[orders[index].orderID] ?? [] }
        return orders
    }
}
