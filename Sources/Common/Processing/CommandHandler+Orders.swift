import Foundation

extension CommandHandler {
    func createOrder(_ command: CreateOrder, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let orderID = try uuid(command.orderID, "order id")
        let tableID = try uuid(command.tableID, "table id")
        guard !command.lines.isEmpty else { throw CommandRejection("order without lines") }
        let menuIDs = try command.lines.map { try uuid($0.menuID, "menu id") }
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
        return [.orderCreated(order)]
    }

    /// Compare-and-set on the status the admin saw: a move that has become invalid meanwhile is
    /// dropped and reported as `order_status_rejected`.
    func changeStatus(_ command: ChangeOrderStatus, in tx: any WriteTransaction, now: Date) async throws
        -> [EventBody]
    {
        let orderID = try uuid(command.orderID, "order id")
        guard let stored = try await tx.lockOrder(storeID: command.storeID, orderID: orderID) else {
            throw CommandRejection("order \(command.orderID) is not in store \(command.storeID)")
        }
        guard !stored.deleted, stored.status == command.from, stored.status.canMove(to: command.to) else {
            return [.orderStatusRejected(orderID: command.orderID, requested: command.to, current: stored.status)]
        }
        try await tx.setOrderStatus(orderID: orderID, status: command.to, at: now)
        return [
            .orderStatusChanged(
                orderID: command.orderID, tableID: stored.tableID.lowercased, from: stored.status, to: command.to)
        ]
    }

    func deleteOrder(_ command: DeleteOrder, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let orderID = try uuid(command.orderID, "order id")
        guard let stored = try await tx.lockOrder(storeID: command.storeID, orderID: orderID) else {
            throw CommandRejection("order \(command.orderID) is not in store \(command.storeID)")
        }
        guard !stored.deleted else { return [] }
        try await tx.markOrderDeleted(orderID: orderID, at: now)
        return [.orderDeleted(orderID: command.orderID, tableID: stored.tableID.lowercased)]
    }
}
