import Foundation
import TableOrderCore

extension CommandHandler {
    /// Applies a run of new orders with a fixed number of statements: claim the command ids, skip
    /// orders already stored, lock their tables, read their menus, open sessions where a table has none,
    /// insert orders and items, append one event per order. Any order that can never apply (unknown table
    /// or menu, another store's) rejects the whole run; the processor then applies the run's commands one
    /// by one to dead-letter only the culprit.
    func createOrders(_ run: [(envelope: CommandEnvelope, command: CreateOrder)], in tx: any WriteTransaction, now: Date)
        async throws -> [StoreEvent]
    {
        guard !run.isEmpty else { return [] }
        var commandIDs: [UUID] = []
        for (envelope, _) in run { commandIDs.append(try uuid(envelope.id, "command id")) }
        let claimed = try await tx.claimCommands(commandIDs, at: now)
        var seenOrders: Set<UUID> = []
        var fresh: [(orderID: UUID, tableID: UUID, menuIDs: [UUID], command: CreateOrder)] = []
        for ((_, command), commandID) in zip(run, commandIDs) where claimed.contains(commandID) {
            let orderID = try uuid(command.orderID, "order id")
            guard seenOrders.insert(orderID).inserted else { continue }
            guard !command.lines.isEmpty else { throw CommandRejection("order without lines") }
            let menuIDs = try command.lines.map { try uuid($0.menuID, "menu id") }
            fresh.append((orderID, try uuid(command.tableID, "table id"), menuIDs, command))
        }
        let stored = try await tx.existingOrders(fresh.map(\.orderID))
        fresh.removeAll { stored.contains($0.orderID) }
        guard !fresh.isEmpty else { return [] }

        var tables = try await tx.lockTables(Array(Set(fresh.map(\.tableID))))
        let menus = try await tx.menuRows(ids: Array(Set(fresh.flatMap(\.menuIDs))))
        var newOrders: [NewOrder] = []
        var created: [Order] = []
        for order in fresh {
            let command = order.command
            guard var table = tables[order.tableID], table.storeID == command.storeID else {
                throw CommandRejection("table \(command.tableID) is not in store \(command.storeID)")
            }
            let items = try zip(command.lines, order.menuIDs).map { line, menuID -> OrderItem in
                guard let menu = menus[menuID], menu.storeID == command.storeID else {
                    throw CommandRejection("menu \(line.menuID) does not exist")
                }
                return OrderItem(menuID: line.menuID, name: menu.name, unitPrice: menu.price, quantity: line.quantity)
            }
            if table.sessionID == nil {
                // The first order after a session ended opens the next one; its id follows from the order,
                // so a retried transaction opens the same session.
                let sessionID = DeterministicID.make("session", command.orderID)
                try await tx.openSession(storeID: command.storeID, tableID: order.tableID, id: sessionID, at: now)
                table.sessionID = sessionID
                tables[order.tableID] = table
            }
            let total = items.reduce(0) { $0 + $1.subtotal }
            newOrders.append(
                NewOrder(
                    id: order.orderID, storeID: command.storeID, tableID: order.tableID, sessionID: table.sessionID!,
                    items: items, totalAmount: total, note: command.note, requestHash: command.requestHash,
                    createdAt: now))
            created.append(
                Order(
                    orderID: order.orderID.lowercased, storeID: command.storeID, tableID: order.tableID.lowercased,
                    tableNumber: table.number, sessionID: table.sessionID!.lowercased, status: .pending, items: items,
                    totalAmount: total, note: command.note, createdAt: Timestamp.string(now),
                    updatedAt: Timestamp.string(now), deletedAt: nil))
        }
        let inserted = try await tx.insertOrders(newOrders)
        // One event per inserted order, appended per store in the run's order.
        var bodiesByStore: [String: [EventBody]] = [:]
        for (order, stored) in zip(created, newOrders) where inserted.contains(stored.id) {
            bodiesByStore[order.storeID, default: []].append(.orderCreated(order))
        }
        var events: [StoreEvent] = []
        for storeID in bodiesByStore.keys.sorted() {
            events += try await tx.appendEvents(storeID: storeID, bodies: bodiesByStore[storeID]!, at: now)
        }
        return events
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
