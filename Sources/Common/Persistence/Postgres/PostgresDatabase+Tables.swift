import Foundation
import PostgresNIO

extension PostgresDatabase {
    public func tables(storeID: String) async throws -> [TableSummary] {
        let rows = try await client.query(
            """
            SELECT t.id, t.table_number, t.current_session_id,
                   coalesce((SELECT sum(o.total_amount) FROM orders o
                             WHERE o.session_id = t.current_session_id AND o.deleted_at IS NULL
                               AND o.status <> 'cancelled'), 0)::int8
            FROM dining_tables t WHERE t.store_id = \(storeID) ORDER BY t.table_number
            """, logger: logger)
        var out: [TableSummary] = []
        for try await (id, number, session, total) in rows.decode((UUID, Int, UUID?, Int).self) {
            out.append(
                TableSummary(tableID: id.lowercased, tableNumber: number, sessionID: session?.lowercased, totalAmount: total))
        }
        return out
    }

    public func history(storeID: String, tableID: UUID, from: Date?, to: Date?) async throws -> [SessionHistory]? {
        let exists = try await client.query(
            "SELECT 1 FROM dining_tables WHERE id = \(tableID) AND store_id = \(storeID)", logger: logger)
        var found = false
        for try await _ in exists { found = true }
        guard found else { return nil }
        let start = from ?? Date(timeIntervalSince1970: 0)
        let end = to ?? Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
        var sessions: [SessionHistory] = []
        var ids: [UUID] = []
        let rows = try await client.query(
            """
            SELECT id, started_at, ended_at FROM table_sessions
            WHERE table_id = \(tableID) AND ended_at IS NOT NULL AND started_at >= \(start) AND started_at < \(end)
            ORDER BY started_at DESC, id
            """, logger: logger)
        for try await (id, started, ended) in rows.decode((UUID, Date, Date?).self) {
            ids.append(id)
            sessions.append(
                SessionHistory(
                    sessionID: id.lowercased, startedAt: Timestamp.string(started), endedAt: ended.map(Timestamp.string),
                    totalAmount: 0, orders: []))
        }
        guard !ids.isEmpty else { return [] }
        var bindings = PostgresBindings()
        try bindings.append(ids)
        let orders = try await client.withConnection { connection in
            try await Self.orders(on: connection, logger: logger, where: "o.session_id = ANY($1)", bindings: bindings)
        }
        let bySession = Dictionary(grouping: orders, by: \.sessionID)
        for index in sessions.indices {
            let sessionOrders = bySession[sessions[index].sessionID] ?? []
            sessions[index].orders = sessionOrders
            sessions[index].totalAmount = sessionOrders.filter(\.countsTowardTotal).reduce(0) { $0 + $1.totalAmount }
        }
        return sessions
    }
}
