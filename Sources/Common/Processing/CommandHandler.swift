import Foundation

/// The worker's rules: how each command changes the store, whatever database is underneath.
///
/// Applying is idempotent: ids come from the command, an order that exists already is left alone and
/// produces no event, so a redelivered or duplicated command changes nothing.
public struct CommandHandler: Sendable {
    public init() {}

    /// Applies one command inside `transaction` and returns the events it produced (in log order).
    public func apply(_ command: Command, in transaction: any WriteTransaction, now: Date = Date()) async throws
        -> [StoreEvent]
    {
        switch command {
        case .createOrder(let create):
            return try await createOrder(create, in: transaction, now: now)
        }
    }

    private func createOrder(_ command: CreateOrder, in tx: any WriteTransaction, now: Date) async throws
        -> [StoreEvent]
    {
        guard let orderID = UUID(uuidString: command.orderID), let tableID = UUID(uuidString: command.tableID) else {
            throw CommandRejection("malformed ids in order command")
        }
        guard !command.lines.isEmpty else { throw CommandRejection("order without lines") }
        let menuIDs = try command.lines.map { line -> UUID in
            guard let id = UUID(uuidString: line.menuID) else { throw CommandRejection("malformed menu id") }
            return id
        }
        if try await tx.orderExists(orderID) { return [] }
        guard let table = try await tx.lockTable(storeID: command.storeID, tableID: tableID) else {
            throw CommandRejection("table \(command.tableID) is not in store \(command.storeID)")
        }
        let menus = try await tx.menuRows(storeID: command.storeID, ids: menuIDs)
        let items = try zip(command.lines, menuIDs).map { line, menuID -> OrderItem in
            guard let menu = menus[menuID] else { throw CommandRejection("menu \(line.menuID) does not exist") }
            return OrderItem(menuID: line.menuID, name: menu.name, unitPrice: menu.price, quantity: line.quantity)
        }
        let sessionID: UUID
        if let current = table.sessionID {
            sessionID = current
        } else {
            // The first order after a session ended opens the next one; its id follows from the order,
            // so a retried transaction opens the same session.
            sessionID = DeterministicID.make("session", command.orderID)
            try await tx.openSession(storeID: command.storeID, tableID: tableID, id: sessionID, at: now)
        }
        let total = items.reduce(0) { $0 + $1.subtotal }
        let inserted = try await tx.insertOrder(
            NewOrder(
                id: orderID, storeID: command.storeID, tableID: tableID, sessionID: sessionID, items: items,
                totalAmount: total, note: command.note, requestHash: command.requestHash, createdAt: now))
        guard inserted else { return [] }
        let order = Order(
            orderID: orderID.lowercased, storeID: command.storeID, tableID: tableID.lowercased,
            tableNumber: table.number, sessionID: sessionID.lowercased, status: .pending, items: items,
            totalAmount: total, note: command.note, createdAt: Timestamp.string(now),
            updatedAt: Timestamp.string(now), deletedAt: nil)
        return [try await tx.appendEvent(storeID: command.storeID, body: .orderCreated(order), at: now)]
    }
}
