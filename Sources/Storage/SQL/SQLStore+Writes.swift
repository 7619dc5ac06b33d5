import Foundation
import TableOrderCore

extension SQLStore: WriteDatabase {
    public func transaction<T: Sendable>(_ body: @Sendable (any WriteTransaction) async throws -> T) async throws -> T {
        let dialect = engine.dialect
        return try await engine.transaction { connection in
            try await body(SQLWriteTransaction(connection: connection, dialect: dialect))
        }
    }

    /// The engine's judgement: it names the failures worth retrying, so `CommandRejection` and
    /// `SQLRow.Mismatch`, which it does not know, are permanent.
    public func classify(_ error: any Error) -> FailureClass {
        engine.classify(error)
    }

    public func prune(olderThan cutoff: Date) async throws -> Int {
        let events = try await engine.query("DELETE FROM events WHERE occurred_at < ? RETURNING 1", [.date(cutoff)])
        let commands = try await engine.query(
            "DELETE FROM processed_commands WHERE processed_at < ? RETURNING 1", [.date(cutoff)])
        // A revocation matters until the tokens it revokes expire, whatever the retention.
        let revocations = try await engine.query(
            "DELETE FROM token_revocations WHERE expires_at < ? RETURNING 1", [.date(Date())])
        return events.count + commands.count + revocations.count
    }
}

/// The worker's transaction steps as SQL.
struct SQLWriteTransaction: WriteTransaction {
    let connection: any SQLConnection
    let dialect: SQLDialect

    func lockStores(_ storeIDs: [String]) async throws {
        let sorted = Array(Set(storeIDs)).sorted()
        try await connection.execute(
            "SELECT id FROM stores WHERE id IN \(SQLDialect.list(sorted.count)) ORDER BY id\(dialect.forUpdate)",
            sorted.map(SQLValue.text))
    }

    func claimCommands(_ ids: [UUID], at: Date) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            INSERT INTO processed_commands (command_id, processed_at)
            VALUES \(SQLDialect.rows(ids.count, columns: 2))
            ON CONFLICT (command_id) DO NOTHING RETURNING command_id
            """, ids.flatMap { [SQLValue.uuid($0), .date(at)] })
        return Set(try rows.map { try $0.uuid(0) })
    }

    func existingOrders(_ ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            "SELECT id FROM orders WHERE id IN \(SQLDialect.list(ids.count))", ids.map(SQLValue.uuid))
        return Set(try rows.map { try $0.uuid(0) })
    }

    func menuRows(ids: [UUID]) async throws -> [UUID: MenuRow] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: MenuRow] = [:]
        for row in try await connection.query(
            """
            SELECT \(SQLStore.menuColumns), m.store_id, m.deleted_at IS NOT NULL OR c.deleted_at IS NOT NULL
            FROM menus m JOIN categories c ON c.id = m.category_id WHERE m.id IN \(SQLDialect.list(ids.count))
            """, ids.map(SQLValue.uuid))
        {
            out[try row.uuid(0)] = MenuRow(
                storeID: try row.string(11), deleted: try row.bool(12), menu: try SQLStore.menuItem(row))
        }
        return out
    }

    func setStock(menuID: UUID, stock: Int) async throws {
        try await connection.execute(
            "UPDATE menus SET stock = ?, is_available = CASE WHEN ? = 0 THEN ? ELSE is_available END WHERE id = ?",
            [.int(stock), .int(stock), .bool(false), .uuid(menuID)])
    }

    func lockTables(_ ids: [UUID]) async throws -> [UUID: TableRow] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: TableRow] = [:]
        for row in try await connection.query(
            """
            SELECT id, store_id, table_number, current_session_id FROM dining_tables
            WHERE id IN \(SQLDialect.list(ids.count)) ORDER BY id\(dialect.forUpdate)
            """, ids.map(SQLValue.uuid))
        {
            out[try row.uuid(0)] = TableRow(storeID: try row.string(1), number: try row.int(2), sessionID: try row.optionalUUID(3))
        }
        return out
    }

    func lockTable(storeID: String, tableID: UUID) async throws -> (number: Int, sessionID: UUID?)? {
        guard let row = try await connection.first(
            "SELECT table_number, current_session_id FROM dining_tables WHERE id = ? AND store_id = ?\(dialect.forUpdate)",
            [.uuid(tableID), .text(storeID)])
        else { return nil }
        return (try row.int(0), try row.optionalUUID(1))
    }

    func openSession(storeID: String, tableID: UUID, id: UUID, at: Date) async throws {
        try await connection.execute(
            "INSERT INTO table_sessions (id, store_id, table_id, started_at) VALUES (?, ?, ?, ?)",
            [.uuid(id), .text(storeID), .uuid(tableID), .date(at)])
        try await connection.execute("UPDATE dining_tables SET current_session_id = ? WHERE id = ?", [.uuid(id), .uuid(tableID)])
    }

    /// Rows per multi-row `INSERT`, so that no statement exceeds either engine's limit on parameters.
    static let rowsPerInsert = 1_000

    func insertOrders(_ orders: [NewOrder]) async throws -> Set<UUID> {
        var inserted: Set<UUID> = []
        for chunk in orders.chunks(of: Self.rowsPerInsert) {
            let rows = try await connection.query(
                """
                INSERT INTO orders (id, store_id, table_id, session_id, status, total_amount, note, request_hash,
                                    created_at, updated_at, reject_reason)
                VALUES \(SQLDialect.rows(chunk.count, columns: 11))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                try chunk.flatMap { order -> [SQLValue] in
                    [
                        .uuid(order.id), .text(order.storeID), .uuid(order.tableID), .uuid(order.sessionID),
                        .text(order.status.rawValue), .int(order.totalAmount), .optional(order.note),
                        .text(order.requestHash), .date(order.createdAt), .date(order.createdAt),
                        try order.rejectReason.map(SQLStore.json) ?? .null,
                    ]
                })
            inserted.formUnion(try rows.map { try $0.uuid(0) })
        }
        var items: [SQLValue] = []
        for order in orders where inserted.contains(order.id) {
            for (line, item) in order.items.enumerated() {
                guard let menuID = UUID(uuidString: item.menuID) else { throw CommandRejection("malformed menu id") }
                items += [
                    .uuid(order.id), .int(line), .uuid(menuID), .text(item.name), .int(item.unitPrice), .int(item.quantity),
                    .int(item.subtotal), item.options.isEmpty ? .null : try SQLStore.json(item.options),
                    .text(order.storeID), .date(order.createdAt),
                ]
            }
        }
        for chunk in items.chunks(of: Self.rowsPerInsert * 10) {
            try await connection.execute(
                """
                INSERT INTO order_items (order_id, line_no, menu_id, name, unit_price, quantity, subtotal, options,
                                         store_id, created_at)
                VALUES \(SQLDialect.rows(chunk.count / 10, columns: 10))
                """, Array(chunk))
        }
        try await applySales(.add, of: Array(inserted))
        return inserted
    }

    func lockOrder(storeID: String, orderID: UUID) async throws -> (status: OrderStatus, tableID: UUID, deleted: Bool)? {
        guard let row = try await connection.first(
            "SELECT status, table_id, deleted_at FROM orders WHERE id = ? AND store_id = ?\(dialect.forUpdate)",
            [.uuid(orderID), .text(storeID)])
        else { return nil }
        guard let status = OrderStatus(rawValue: try row.string(0)) else { throw CommandRejection("unknown stored status") }
        return (status, try row.uuid(1), !row.isNull(2))
    }

    func setOrderStatus(orderID: UUID, status: OrderStatus, at: Date) async throws {
        let update: () async throws -> Void = {
            try await connection.execute(
                "UPDATE orders SET status = ?, updated_at = ? WHERE id = ?", [.text(status.rawValue), .date(at), .uuid(orderID)])
        }
        // Only a move out of the counted statuses changes what the order counts for in the sales.
        if status.countsTowardTotal { try await update() } else { try await keepingSales(of: [orderID], update) }
    }

    func orderLines(orderID: UUID) async throws -> [StoredLine] {
        try await connection.query(
            """
            SELECT line_no, menu_id, unit_price, quantity, cancelled_quantity FROM order_items
            WHERE order_id = ? ORDER BY line_no
            """, [.uuid(orderID)]
        ).map {
            StoredLine(
                line: try $0.int(0), menuID: try $0.uuid(1), unitPrice: try $0.int(2), quantity: try $0.int(3),
                cancelledQuantity: try $0.int(4))
        }
    }

    func cancelPortions(orderID: UUID, line: Int, quantity: Int, orderTotal: Int, at: Date) async throws {
        try await keepingSales(of: [orderID]) {
            try await connection.execute(
                """
                UPDATE order_items SET cancelled_quantity = cancelled_quantity + ?,
                    subtotal = unit_price * (quantity - cancelled_quantity - ?)
                WHERE order_id = ? AND line_no = ?
                """, [.int(quantity), .int(quantity), .uuid(orderID), .int(line)])
            try await connection.execute(
                "UPDATE orders SET total_amount = ?, updated_at = ? WHERE id = ?", [.int(orderTotal), .date(at), .uuid(orderID)])
        }
    }

    func returnStock(menuID: UUID, quantity: Int) async throws {
        try await connection.execute(
            """
            UPDATE menus SET stock = CASE WHEN stock + ? > ? THEN ? ELSE stock + ? END WHERE id = ? AND stock IS NOT NULL
            """,
            [.int(quantity), .int(Limits.stock.range.upperBound), .int(Limits.stock.range.upperBound), .int(quantity), .uuid(menuID)])
    }

    func markOrderDeleted(orderID: UUID, at: Date) async throws {
        try await keepingSales(of: [orderID]) {
            try await connection.execute(
                "UPDATE orders SET deleted_at = ?, updated_at = ? WHERE id = ?", [.date(at), .date(at), .uuid(orderID)])
        }
    }

    func sessionTotal(sessionID: UUID) async throws -> Int {
        try await connection.first(
            """
            SELECT CAST(coalesce(sum(total_amount), 0) AS BIGINT) FROM orders
            WHERE session_id = ? AND deleted_at IS NULL AND status NOT IN ('cancelled', 'rejected')
            """, [.uuid(sessionID)])?.int(0) ?? 0
    }

    func endSession(tableID: UUID, sessionID: UUID, at: Date) async throws {
        try await connection.execute("UPDATE table_sessions SET ended_at = ? WHERE id = ?", [.date(at), .uuid(sessionID)])
        try await connection.execute("UPDATE dining_tables SET current_session_id = NULL WHERE id = ?", [.uuid(tableID)])
    }

    func categoryExists(storeID: String, categoryID: UUID) async throws -> Bool {
        try await connection.returnsRow(
            "SELECT 1 FROM categories WHERE id = ? AND store_id = ? AND deleted_at IS NULL",
            [.uuid(categoryID), .text(storeID)])
    }

    func insertCategory(_ command: CreateCategory, id: UUID) async throws -> Bool {
        try await connection.returnsRow(
            """
            INSERT INTO categories (id, store_id, name, sort_order, translations) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """,
            [
                .uuid(id), .text(command.storeID), .text(command.name), .int(command.sortOrder),
                try SQLStore.json(command.translations ?? [:]),
            ])
    }

    func insertMenu(_ command: CreateMenu, id: UUID, categoryID: UUID) async throws -> Bool {
        try await connection.returnsRow(
            """
            INSERT INTO menus (id, store_id, category_id, name, price, description, image_url, is_available, sort_order,
                               option_groups, translations)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING 1
            """,
            [
                .uuid(id), .text(command.storeID), .uuid(categoryID), .text(command.name), .int(command.price),
                .optional(command.description), .optional(command.imageURL), .bool(command.isAvailable),
                .int(command.sortOrder), try SQLStore.json(command.optionGroups ?? []),
                try SQLStore.json(command.translations ?? [:]),
            ])
    }

    func updateMenu(_ command: UpdateMenu, id: UUID, categoryID: UUID?) async throws -> Bool {
        try await connection.returnsRow(
            """
            UPDATE menus SET category_id = coalesce(?, category_id), name = coalesce(?, name),
                price = coalesce(?, price), description = coalesce(?, description), image_url = coalesce(?, image_url),
                is_available = coalesce(?, is_available), sort_order = coalesce(?, sort_order),
                option_groups = coalesce(?, option_groups), translations = coalesce(?, translations)
            WHERE id = ? AND store_id = ? AND deleted_at IS NULL RETURNING 1
            """,
            [
                .optional(categoryID), .optional(command.name), .optional(command.price), .optional(command.description),
                .optional(command.imageURL), .optional(command.isAvailable), .optional(command.sortOrder),
                try command.optionGroups.map(SQLStore.json) ?? .null, try command.translations.map(SQLStore.json) ?? .null,
                .uuid(id), .text(command.storeID),
            ])
    }

    func claimOptionIDs(storeID: String, menuID: UUID, ids: [UUID]) async throws -> Bool {
        if !ids.isEmpty {
            let held = try await connection.query(
                "SELECT 1 FROM menu_option_ids WHERE id IN \(SQLDialect.list(ids.count)) AND menu_id <> ?",
                ids.map(SQLValue.uuid) + [.uuid(menuID)])
            guard held.isEmpty else { return false }
        }
        try await connection.execute("DELETE FROM menu_option_ids WHERE menu_id = ?", [.uuid(menuID)])
        for chunk in ids.chunks(of: Self.rowsPerInsert) {
            try await connection.execute(
                "INSERT INTO menu_option_ids (id, menu_id, store_id) VALUES \(SQLDialect.rows(chunk.count, columns: 3))",
                chunk.flatMap { [SQLValue.uuid($0), .uuid(menuID), .text(storeID)] })
        }
        return true
    }

    func setAvailability(_ command: SetMenuAvailability, id: UUID) async throws -> Bool {
        try await connection.returnsRow(
            """
            UPDATE menus SET is_available = coalesce(?, is_available), stock = CASE WHEN ? THEN ? ELSE stock END
            WHERE id = ? AND store_id = ? AND deleted_at IS NULL RETURNING 1
            """,
            [
                // A stock set to 0 is sold out, whatever else the request says (as an order taking the last does).
                .optional(command.setsStock && command.stock == 0 ? false : command.isAvailable),
                .bool(command.setsStock), .optional(command.stock), .uuid(id), .text(command.storeID),
            ])
    }

    func updateCategory(_ command: UpdateCategory, id: UUID) async throws -> Bool {
        try await connection.returnsRow(
            """
            UPDATE categories SET name = coalesce(?, name), sort_order = coalesce(?, sort_order),
                translations = coalesce(?, translations)
            WHERE id = ? AND store_id = ? AND deleted_at IS NULL RETURNING 1
            """,
            [
                .optional(command.name), .optional(command.sortOrder), try command.translations.map(SQLStore.json) ?? .null,
                .uuid(id), .text(command.storeID),
            ])
    }

    func categoryHasMenus(_ id: UUID) async throws -> Bool {
        try await connection.returnsRow("SELECT 1 FROM menus WHERE category_id = ? AND deleted_at IS NULL LIMIT 1", [.uuid(id)])
    }

    func deleteCategory(storeID: String, id: UUID, at: Date) async throws -> Bool {
        try await connection.returnsRow(
            "UPDATE categories SET deleted_at = ? WHERE id = ? AND store_id = ? AND deleted_at IS NULL RETURNING 1",
            [.date(at), .uuid(id), .text(storeID)])
    }

    func deleteMenu(storeID: String, id: UUID, at: Date) async throws -> Bool {
        try await connection.returnsRow(
            "UPDATE menus SET deleted_at = ? WHERE id = ? AND store_id = ? AND deleted_at IS NULL RETURNING 1",
            [.date(at), .uuid(id), .text(storeID)])
    }

    func upsertTable(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws {
        try await connection.execute(
            """
            INSERT INTO dining_tables (id, store_id, table_number, password_hash) VALUES (?, ?, ?, ?)
            ON CONFLICT (store_id, table_number) DO UPDATE SET password_hash = excluded.password_hash
            """, [.uuid(tableID), .text(storeID), .int(number), .text(passwordHash)])
    }

    func setTablePassword(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws
        -> (tableID: UUID, credentialVersion: Int)
    {
        guard let row = try await connection.first(
            """
            INSERT INTO dining_tables (id, store_id, table_number, password_hash) VALUES (?, ?, ?, ?)
            ON CONFLICT (store_id, table_number) DO UPDATE SET password_hash = excluded.password_hash,
                credential_version = dining_tables.credential_version + 1
            RETURNING id, credential_version
            """, [.uuid(tableID), .text(storeID), .int(number), .text(passwordHash)])
        else { throw CommandRejection("table \(number) was not stored") }
        return (try row.uuid(0), try row.int(1))
    }

    func lockAdmin(storeID: String, adminID: UUID) async throws -> Int? {
        try await connection.first(
            "SELECT credential_version FROM admins WHERE id = ? AND store_id = ?\(dialect.forUpdate)",
            [.uuid(adminID), .text(storeID)])?.int(0)
    }

    func setAdminPassword(adminID: UUID, passwordHash: String) async throws -> Int {
        guard let row = try await connection.first(
            """
            UPDATE admins SET password_hash = ?, credential_version = credential_version + 1 WHERE id = ?
            RETURNING credential_version
            """, [.text(passwordHash), .uuid(adminID)])
        else { throw CommandRejection("admin \(adminID.lowercased) does not exist") }
        return try row.int(0)
    }

    /// The head's row lock is held until commit, so concurrent writers take their numbers one after the
    /// other's commit: numbers are gap-free in commit order (SQLite serializes write transactions anyway).
    func appendRevocation(userID: UUID, tokenID: String?, minimumCredentialVersion: Int?, expiresAt: Date)
        async throws -> Int64
    {
        guard let head = try await connection.first(
            "UPDATE token_revocation_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq", [])
        else { throw CommandRejection("the revocation log has no head") }
        let seq = try head.int64(0)
        try await connection.execute(
            """
            INSERT INTO token_revocations (seq, user_id, token_id, min_credential_version, expires_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            [.int(Int(seq)), .uuid(userID), .optional(tokenID), .optional(minimumCredentialVersion), .date(expiresAt)])
        return seq
    }

    func appendEvents(storeID: String, bodies: [EventBody], at: Date) async throws -> [StoreEvent] {
        guard !bodies.isEmpty else { return [] }
        guard let row = try await connection.first(
            "UPDATE stores SET last_event_id = last_event_id + ? WHERE id = ? RETURNING last_event_id",
            [.int(bodies.count), .text(storeID)])
        else { throw CommandRejection("store \(storeID) does not exist") }
        let first = try row.int64(0) - Int64(bodies.count) + 1
        let occurredAt = Timestamp.string(at)
        let events = try bodies.enumerated().map { offset, body in
            try body.makeEvent(storeID: storeID, id: first + Int64(offset), occurredAt: occurredAt)
        }
        for chunk in events.chunks(of: Self.rowsPerInsert) {
            try await connection.execute(
                """
                INSERT INTO events (store_id, id, type, data, occurred_at, table_id)
                VALUES \(SQLDialect.rows(chunk.count, columns: 6))
                """,
                chunk.flatMap {
                    [
                        SQLValue.text(storeID), .int(Int($0.id)), .text($0.type), .text($0.data), .date(at),
                        .optional($0.tableID.flatMap(UUID.init(uuidString:))),
                    ]
                })
        }
        return events
    }
}
