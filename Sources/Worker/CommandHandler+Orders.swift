import Foundation
import TableOrderCore

extension CommandHandler {
    /// Applies a run of new orders with a fixed number of statements: claim the command ids, skip
    /// orders already stored, lock their tables, read their menus, open sessions where a table has none,
    /// insert orders and items, append one event per order. An order names a table of another store only
    /// if something is badly wrong, and that rejects the whole run; the processor then applies the run's
    /// commands one by one to dead-letter only the culprit.
    ///
    /// Every line is checked again against the stored menu (v1.1 §6): an order whose menu was deleted,
    /// switched off or ran out, or whose options no longer hold, is stored as `rejected` and announced, so
    /// the tablet that was told 202 learns its fate. Counted stock is taken here, in the order's own
    /// transaction, in the run's order: the transaction holds the store's lock (`lockStores`), so however
    /// many workers race, exactly the portions that exist are sold.
    func createOrders(_ run: [(envelope: CommandEnvelope, command: CreateOrder)], in tx: any WriteTransaction, now: Date)
        async throws -> Applied
    {
        guard !run.isEmpty else { return Applied() }
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
        guard !fresh.isEmpty else { return Applied() }

        var tables = try await tx.lockTables(Array(Set(fresh.map(\.tableID))))
        var kitchen = Kitchen(menus: try await tx.menuRows(ids: Array(Set(fresh.flatMap(\.menuIDs)))))
        var newOrders: [NewOrder] = []
        var bodies: [(storeID: String, body: EventBody, orderID: UUID?)] = []
        for order in fresh {
            let command = order.command
            guard var table = tables[order.tableID], table.storeID == command.storeID else {
                throw CommandRejection("table \(command.tableID) is not in store \(command.storeID)")
            }
            if table.sessionID == nil {
                // The first order after a session ended opens the next one (a rejected order too: staff
                // see it on the table's card); its id follows from the order, so a retried transaction
                // opens the same session.
                let sessionID = DeterministicID.make("session", command.orderID)
                try await tx.openSession(storeID: command.storeID, tableID: order.tableID, id: sessionID, at: now)
                table.sessionID = sessionID
                tables[order.tableID] = table
            }
            let outcome = kitchen.take(command)
            let total = outcome.items.reduce(0) { $0 + $1.subtotal }
            let status: OrderStatus = outcome.reason == nil ? .pending : .rejected
            newOrders.append(
                NewOrder(
                    id: order.orderID, storeID: command.storeID, tableID: order.tableID, sessionID: table.sessionID!,
                    items: outcome.items, totalAmount: total, note: command.note, requestHash: command.requestHash,
                    createdAt: now, status: status, rejectReason: outcome.reason))
            let created = Order(
                orderID: order.orderID.lowercased, storeID: command.storeID, tableID: order.tableID.lowercased,
                tableNumber: table.number, sessionID: table.sessionID!.lowercased, status: status, items: outcome.items,
                totalAmount: total, note: command.note, createdAt: Timestamp.string(now),
                updatedAt: Timestamp.string(now), deletedAt: nil, rejectReason: outcome.reason)
            bodies.append((command.storeID, outcome.reason == nil ? .orderCreated(created) : .orderRejected(created), order.orderID))
            for menuID in outcome.soldOut {
                bodies.append((command.storeID, .menuChanged(menuID: menuID.lowercased, categoryID: nil, action: "sold_out"), nil))
            }
        }
        let inserted = try await tx.insertOrders(newOrders)
        // Stock is written once per menu, after the run took what it took.
        for (menuID, stock) in kitchen.takenStock.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            try await tx.setStock(menuID: menuID, stock: stock)
        }
        // One event per inserted order (and one per menu it sold out), appended per store in the run's order.
        var bodiesByStore: [String: [EventBody]] = [:]
        for entry in bodies where entry.orderID.map(inserted.contains) ?? true {
            bodiesByStore[entry.storeID, default: []].append(entry.body)
        }
        var applied = Applied()
        for storeID in bodiesByStore.keys.sorted() {
            applied.events += try await tx.appendEvents(storeID: storeID, bodies: bodiesByStore[storeID]!, at: now)
        }
        applied.staleMenus = kitchen.storesWithStockTaken
        return applied
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
            return [
                .orderStatusRejected(orderID: command.orderID, requested: command.to.rawValue, current: stored.status)
            ]
        }
        try await tx.setOrderStatus(orderID: orderID, status: command.to, at: now)
        if command.to == .cancelled { try await returnPortions(of: orderID, in: tx) }
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
        // An order that will not be served any more gives its portions back.
        if !stored.status.isTerminal { try await returnPortions(of: orderID, in: tx) }
        return [.orderDeleted(orderID: command.orderID, tableID: stored.tableID.lowercased)]
    }
}

extension CommandHandler {
    /// Gives every line's remaining portions back to a counted stock (an order cancelled or deleted unserved).
    func returnPortions(of orderID: UUID, in tx: any WriteTransaction) async throws {
        for line in try await tx.orderLines(orderID: orderID) where line.quantity > line.cancelledQuantity {
            try await tx.returnStock(menuID: line.menuID, quantity: line.quantity - line.cancelledQuantity)
        }
    }

    /// Cancels portions of a line (v1.1 §6): they go back to a counted stock, the order's total drops, and
    /// the order is cancelled once nothing of it is left. Checked again against the stored order, like a
    /// status move: a cancel that has become invalid is dropped and reported as `order_status_rejected`.
    func cancelItems(_ command: CancelOrderItems, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let orderID = try uuid(command.orderID, "order id")
        guard command.quantity >= 1 else { throw CommandRejection("cancel of \(command.quantity) portions") }
        guard let stored = try await tx.lockOrder(storeID: command.storeID, orderID: orderID) else {
            throw CommandRejection("order \(command.orderID) is not in store \(command.storeID)")
        }
        let refused: [EventBody] = [
            .orderStatusRejected(orderID: command.orderID, requested: "cancel_items", current: stored.status)
        ]
        guard !stored.deleted, !stored.status.isTerminal else { return refused }
        var lines = try await tx.orderLines(orderID: orderID)
        let wanted = command.itemID.lowercased()
        guard let index = lines.firstIndex(where: { OrderItem.id(orderID: command.orderID, line: $0.line) == wanted })
        else { throw CommandRejection("order \(command.orderID) has no item \(command.itemID)") }
        guard lines[index].quantity - lines[index].cancelledQuantity >= command.quantity else { return refused }
        lines[index].cancelledQuantity += command.quantity
        let total = lines.reduce(0) { $0 + $1.unitPrice * ($1.quantity - $1.cancelledQuantity) }
        try await tx.cancelPortions(
            orderID: orderID, line: lines[index].line, quantity: command.quantity, orderTotal: total, at: now)
        try await tx.returnStock(menuID: lines[index].menuID, quantity: command.quantity)
        let tableID = stored.tableID.lowercased
        var bodies: [EventBody] = [
            .orderItemsCancelled(
                orderID: command.orderID, tableID: tableID, itemID: wanted, quantity: command.quantity, totalAmount: total)
        ]
        if lines.allSatisfy({ $0.quantity == $0.cancelledQuantity }) {
            try await tx.setOrderStatus(orderID: orderID, status: .cancelled, at: now)
            bodies.append(.orderStatusChanged(orderID: command.orderID, tableID: tableID, from: stored.status, to: .cancelled))
        }
        return bodies
    }
}
