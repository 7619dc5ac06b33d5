import Foundation
import TableOrderCore

/// The repositories, written once over `SQLEngine`: the API's reads, the worker's transactions and
/// seeding. PostgreSQL and SQLite differ only in the engine underneath.
public struct SQLStore: Sendable {
    public let engine: any SQLEngine

    public init(engine: any SQLEngine) { self.engine = engine }

    static let orderColumns = """
        SELECT o.id, o.store_id, o.table_id, t.table_number, o.session_id, o.status, o.total_amount,
               o.note, o.created_at, o.updated_at, o.deleted_at, o.reject_reason
        FROM orders o JOIN dining_tables t ON t.id = o.table_id
        """

    /// Orders matching `condition` with their items, oldest first.
    static func orders(on connection: any SQLConnection, where condition: String, _ binds: [SQLValue]) async throws
        -> [Order]
    {
        let rows = try await connection.query("\(orderColumns) WHERE \(condition) ORDER BY o.created_at, o.id", binds)
        var orders = try rows.map { row in
            Order(
                orderID: try row.uuid(0).lowercased, storeID: try row.string(1), tableID: try row.uuid(2).lowercased,
                tableNumber: try row.int(3), sessionID: try row.uuid(4).lowercased,
                status: OrderStatus(rawValue: try row.string(5)) ?? .pending, items: [], totalAmount: try row.int(6),
                note: try row.optionalString(7), createdAt: Timestamp.string(try row.date(8)),
                updatedAt: Timestamp.string(try row.date(9)), deletedAt: try row.optionalDate(10).map(Timestamp.string),
                rejectReason: try row.optionalString(11).map { try JSON.decode(RejectReason.self, from: Array($0.utf8)) })
        }
        guard !orders.isEmpty else { return [] }
        let ids = try rows.map { SQLValue.uuid(try $0.uuid(0)) }
        let itemRows = try await connection.query(
            """
            SELECT order_id, menu_id, name, unit_price, quantity, line_no, options, cancelled_quantity
            FROM order_items WHERE order_id IN \(SQLDialect.list(ids.count)) ORDER BY order_id, line_no
            """, ids)
        var items: [String: [OrderItem]] = [:]
        for row in itemRows {
            items[try row.uuid(0).lowercased, default: []].append(try orderItem(row, orderID: try row.uuid(0).lowercased))
        }
        for index in orders.indices { orders[index].items = items[orders[index].orderID] ?? [] }
        return orders
    }
}

extension SQLStore {
    /// An item from `menu_id, name, unit_price, quantity, line_no, options, cancelled_quantity` at `offset`.
    static func orderItem(_ row: SQLRow, orderID: String, offset: Int = 1) throws -> OrderItem {
        OrderItem(
            itemID: OrderItem.id(orderID: orderID, line: try row.int(offset + 4)), menuID: try row.uuid(offset).lowercased,
            name: try row.string(offset + 1), unitPrice: try row.int(offset + 2), quantity: try row.int(offset + 3),
            options: try row.optionalString(offset + 5).map { try JSON.decode([ChosenOption].self, from: Array($0.utf8)) } ?? [],
            cancelledQuantity: try row.int(offset + 6))
    }

    /// A JSON column's text.
    static func json(_ value: some Encodable) throws -> SQLValue { .text(try JSON.encodeString(value)) }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSON.decode(type, from: Array(text.utf8))
    }
}

/// Runs one statement outside a transaction, as a connection.
struct AutocommitConnection: SQLConnection {
    let engine: any SQLEngine
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] { try await engine.query(sql, binds) }
}
