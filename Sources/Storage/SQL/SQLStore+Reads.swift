import Foundation
import TableOrderCore

extension SQLStore: ReadRepository {
    public func storeExists(_ storeID: String) async throws -> Bool {
        try await !engine.query("SELECT 1 FROM stores WHERE id = ?", [.text(storeID)]).isEmpty
    }

    public func menu(storeID: String) async throws -> StoreMenu? {
        guard try await storeExists(storeID) else { return nil }
        let categories = try await engine.query(
            """
            SELECT id, name, sort_order, translations FROM categories WHERE store_id = ? AND deleted_at IS NULL
            ORDER BY sort_order, name, id
            """, [.text(storeID)]
        ).map {
            MenuCategory(
                id: try $0.uuid(0).lowercased, name: try $0.string(1), sortOrder: try $0.int(2),
                translations: try Self.decodeJSON(Translations.self, try $0.string(3)))
        }
        let menus = try await engine.query(
            """
            SELECT \(Self.menuColumns)
            FROM menus m JOIN categories c ON c.id = m.category_id
            WHERE m.store_id = ? AND m.deleted_at IS NULL AND c.deleted_at IS NULL
            ORDER BY c.sort_order, m.sort_order, m.name, m.id
            """, [.text(storeID)]
        ).map(Self.menuItem)
        return StoreMenu(storeID: storeID, categories: categories, menus: menus)
    }

    public func optionOwners(ids: [UUID]) async throws -> [UUID: UUID] {
        guard !ids.isEmpty else { return [:] }
        var owners: [UUID: UUID] = [:]
        for chunk in ids.chunks(of: 1_000) {
            for row in try await engine.query(
                "SELECT id, menu_id FROM menu_option_ids WHERE id IN \(SQLDialect.list(chunk.count))", chunk.map(SQLValue.uuid))
            {
                owners[try row.uuid(0)] = try row.uuid(1)
            }
        }
        return owners
    }

    static let menuColumns = """
        m.id, m.category_id, m.name, m.price, m.description, m.image_url, m.is_available, m.sort_order,
        m.option_groups, m.stock, m.translations
        """

    /// A menu from `menuColumns`.
    static func menuItem(_ row: SQLRow) throws -> MenuItem {
        MenuItem(
            id: try row.uuid(0).lowercased, categoryID: try row.uuid(1).lowercased, name: try row.string(2),
            price: try row.int(3), description: try row.optionalString(4), imageURL: try row.optionalString(5),
            isAvailable: try row.bool(6), sortOrder: try row.int(7),
            optionGroups: try decodeJSON([OptionGroup].self, try row.string(8)), stock: try row.optionalInt(9),
            translations: try decodeJSON(Translations.self, try row.string(10)))
    }

    /// The hash and the credential version come from one row: a token gets the version of the password
    /// it was issued for.
    public func adminCredential(storeID: String, username: String) async throws -> Credential? {
        guard let row = try await engine.query(
            "SELECT id, password_hash, credential_version FROM admins WHERE store_id = ? AND username = ?",
            [.text(storeID), .text(username)]
        ).first else { return nil }
        return Credential(userID: try row.uuid(0).lowercased, passwordHash: try row.string(1), credentialVersion: try row.int(2))
    }

    public func adminCredential(storeID: String, userID: UUID) async throws -> Credential? {
        guard let row = try await engine.query(
            "SELECT id, password_hash, credential_version FROM admins WHERE store_id = ? AND id = ?",
            [.text(storeID), .uuid(userID)]
        ).first else { return nil }
        return Credential(userID: try row.uuid(0).lowercased, passwordHash: try row.string(1), credentialVersion: try row.int(2))
    }

    public func tableCredential(storeID: String, tableNumber: Int) async throws -> Credential? {
        guard let row = try await engine.query(
            """
            SELECT id, password_hash, table_number, credential_version FROM dining_tables
            WHERE store_id = ? AND table_number = ?
            """,
            [.text(storeID), .int(tableNumber)]
        ).first else { return nil }
        return Credential(
            userID: try row.uuid(0).lowercased, passwordHash: try row.string(1), tableNumber: try row.int(2),
            credentialVersion: try row.int(3))
    }

    public func order(id: UUID) async throws -> Order? {
        try await Self.orders(on: AutocommitConnection(engine: engine), where: "o.id = ?", [.uuid(id)]).first
    }

    public func orderRequestHashes(ids: [UUID]) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: String] = [:]
        for row in try await engine.query(
            "SELECT id, request_hash FROM orders WHERE id IN \(SQLDialect.list(ids.count))", ids.map(SQLValue.uuid))
        {
            out[try row.uuid(0)] = try row.string(1)
        }
        return out
    }

    public func currentSessionOrders(tableID: UUID) async throws -> [Order] {
        try await Self.orders(
            on: AutocommitConnection(engine: engine),
            where: "o.session_id = (SELECT current_session_id FROM dining_tables WHERE id = ?) AND o.deleted_at IS NULL",
            [.uuid(tableID)])
    }

    /// One snapshot, so `last_event_id` is exactly the newest event the rows reflect.
    public func adminSnapshot(storeID: String, status: OrderStatus?) async throws -> AdminOrdersSnapshot {
        try await engine.snapshot { connection in
            let lastEventID = try await connection.first("SELECT last_event_id FROM stores WHERE id = ?", [.text(storeID)])?
                .int64(0) ?? 0
            var binds: [SQLValue] = [.text(storeID)]
            var filter = ""
            if let status {
                binds.append(.text(status.rawValue))
                filter = " AND o.status = ?"
            }
            let orders = try await Self.orders(
                on: connection,
                where: "o.store_id = ? AND o.deleted_at IS NULL AND o.session_id = t.current_session_id\(filter)", binds)
            var tables: [String: AdminOrdersSnapshot.TableOrders] = [:]
            for row in try await connection.query(
                "SELECT id, table_number FROM dining_tables WHERE store_id = ? AND current_session_id IS NOT NULL",
                [.text(storeID)])
            {
                let id = try row.uuid(0).lowercased
                tables[id] = .init(tableID: id, tableNumber: try row.int(1), totalAmount: 0, orders: [])
            }
            for order in orders {
                tables[order.tableID, default: .init(
                    tableID: order.tableID, tableNumber: order.tableNumber, totalAmount: 0, orders: [])].orders.append(order)
                if order.countsTowardTotal { tables[order.tableID]?.totalAmount += order.totalAmount }
            }
            return AdminOrdersSnapshot(
                lastEventID: lastEventID, tables: tables.values.sorted { $0.tableNumber < $1.tableNumber })
        }
    }

    public func tables(storeID: String) async throws -> [TableSummary] {
        try await engine.query(
            """
            SELECT t.id, t.table_number, t.current_session_id,
                   CAST(coalesce((SELECT sum(o.total_amount) FROM orders o
                                  WHERE o.session_id = t.current_session_id AND o.deleted_at IS NULL
                                    AND o.status NOT IN ('cancelled', 'rejected')), 0) AS BIGINT)
            FROM dining_tables t WHERE t.store_id = ? ORDER BY t.table_number
            """, [.text(storeID)]
        ).map { row in
            TableSummary(
                tableID: try row.uuid(0).lowercased, tableNumber: try row.int(1),
                sessionID: try row.optionalUUID(2)?.lowercased, totalAmount: try row.int(3))
        }
    }

    public func history(storeID: String, tableID: UUID, from: Date?, to: Date?) async throws -> [SessionHistory]? {
        guard try await !engine.query(
            "SELECT 1 FROM dining_tables WHERE id = ? AND store_id = ?", [.uuid(tableID), .text(storeID)]
        ).isEmpty else { return nil }
        let rows = try await engine.query(
            """
            SELECT id, started_at, ended_at FROM table_sessions
            WHERE table_id = ? AND ended_at IS NOT NULL AND started_at >= ? AND started_at < ?
            ORDER BY started_at DESC, id
            """,
            [
                .uuid(tableID), .date(from ?? Date(timeIntervalSince1970: 0)),
                .date(to ?? Date(timeIntervalSince1970: 4_102_444_800)),
            ])
        var sessions = try rows.map { row in
            SessionHistory(
                sessionID: try row.uuid(0).lowercased, startedAt: Timestamp.string(try row.date(1)),
                endedAt: try row.optionalDate(2).map(Timestamp.string), totalAmount: 0, orders: [])
        }
        guard !sessions.isEmpty else { return [] }
        let ids = try rows.map { SQLValue.uuid(try $0.uuid(0)) }
        let orders = try await Self.orders(
            on: AutocommitConnection(engine: engine), where: "o.session_id IN \(SQLDialect.list(ids.count))", ids)
        let bySession = Dictionary(grouping: orders, by: \.sessionID)
        for index in sessions.indices {
            let sessionOrders = bySession[sessions[index].sessionID] ?? []
            sessions[index].orders = sessionOrders
            sessions[index].totalAmount = sessionOrders.filter(\.countsTowardTotal).reduce(0) { $0 + $1.totalAmount }
        }
        return sessions
    }

    public func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent] {
        try await engine.query(
            "SELECT id, type, data, table_id FROM events WHERE store_id = ? AND id > ? ORDER BY id LIMIT ?",
            [.text(storeID), .int(Int(after)), .int(limit)]
        ).map {
            StoreEvent(
                storeID: storeID, id: try $0.int64(0), type: try $0.string(1), tableID: try $0.optionalUUID(3)?.lowercased,
                data: try $0.string(2))
        }
    }

    public func events(storeID: String, after: Int64, limit: Int, showing tableID: String) async throws -> [StoreEvent] {
        guard let table = UUID(uuidString: tableID) else { return [] }
        return try await engine.query(
            """
            SELECT id, type, CASE WHEN table_id = ? OR type = 'menu_changed' THEN data ELSE '' END, table_id
            FROM events WHERE store_id = ? AND id > ? ORDER BY id LIMIT ?
            """,
            [.uuid(table), .text(storeID), .int(Int(after)), .int(limit)]
        ).map {
            StoreEvent(
                storeID: storeID, id: try $0.int64(0), type: try $0.string(1), tableID: try $0.optionalUUID(3)?.lowercased,
                data: try $0.string(2))
        }
    }

    public func lastSessionEnd(storeID: String, tableID: String) async throws -> Int64? {
        guard let table = UUID(uuidString: tableID) else { return nil }
        return try await engine.query(
            """
            SELECT max(id) FROM events WHERE store_id = ? AND table_id = ? AND type = 'table_session_completed'
            """, [.text(storeID), .uuid(table)]
        ).first?.optionalInt(0).map(Int64.init)
    }

    public func lastEventID(storeID: String) async throws -> Int64 {
        try await engine.query("SELECT last_event_id FROM stores WHERE id = ?", [.text(storeID)]).first?.int64(0) ?? 0
    }

    public func oldestEventID(storeID: String) async throws -> Int64? {
        guard let row = try await engine.query("SELECT min(id) FROM events WHERE store_id = ?", [.text(storeID)]).first
        else { return nil }
        return try row.optionalInt(0).map(Int64.init)
    }

    // MARK: - The revocation log

    /// The head and the rows from one snapshot: every row up to the head is committed and visible in it,
    /// since a row's `seq` is taken under the head's lock, held until its commit.
    public func revocationsSnapshot(now: Date) async throws -> (revocations: [Revocation], lastSeq: Int64) {
        try await engine.snapshot { connection in
            let head = try await connection.first("SELECT last_seq FROM token_revocation_head WHERE id = 1", [])?
                .int64(0) ?? 0
            let rows = try await connection.query(
                "\(Self.revocationColumns) WHERE expires_at > ? AND seq <= ? ORDER BY seq", [.date(now), .int(Int(head))])
            return (try rows.map(Self.revocation), head)
        }
    }

    public func revocations(after: Int64, limit: Int) async throws -> [Revocation] {
        try await engine.query(
            "\(Self.revocationColumns) WHERE seq > ? ORDER BY seq LIMIT ?", [.int(Int(after)), .int(limit)]
        ).map(Self.revocation)
    }

    static let revocationColumns =
        "SELECT seq, user_id, token_id, min_credential_version, expires_at FROM token_revocations"

    static func revocation(_ row: SQLRow) throws -> Revocation {
        Revocation(
            seq: try row.int64(0), userID: try row.uuid(1).lowercased, tokenID: try row.optionalString(2),
            minimumCredentialVersion: try row.optionalInt(3), expiresAt: try row.date(4))
    }
}
