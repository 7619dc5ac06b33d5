import Foundation
import TableOrderCore

/// The worker's rules: how each command changes the store, whatever database is underneath.
///
/// Applying is idempotent twice over: the envelope's command id is claimed in the same transaction
/// (a redelivered message is skipped), and the ids inside come from the command (a client's retry with
/// the same `Idempotency-Key` finds its order already there and changes nothing).
public struct CommandHandler: Sendable {
    public init() {}

    /// What applying commands produced: the events (in log order), and the stores whose menu listing
    /// changed beyond what the commands' kinds say (`CommandEnvelope.staleScopes`): an order that took
    /// counted stock.
    public struct Applied: Sendable {
        public var events: [StoreEvent] = []
        public var staleMenus: Set<String> = []

        static func += (lhs: inout Applied, rhs: Applied) {
            lhs.events += rhs.events
            lhs.staleMenus.formUnion(rhs.staleMenus)
        }
    }

    /// Applies commands inside `tx`, in order.
    ///
    /// Runs of consecutive new orders — nearly all of the traffic — are applied together, a few
    /// statements for the whole run rather than several per order; other commands one at a time.
    public func apply(_ envelopes: [CommandEnvelope], in tx: any WriteTransaction, now: Date = Date()) async throws
        -> Applied
    {
        var applied = Applied()
        var orders: [(envelope: CommandEnvelope, command: CreateOrder)] = []
        for envelope in envelopes {
            if case .createOrder(let command) = envelope.command {
                orders.append((envelope, command))
                continue
            }
            applied += try await createOrders(orders, in: tx, now: now)
            orders = []
            applied.events += try await applyOne(envelope, in: tx, now: now)
        }
        applied += try await createOrders(orders, in: tx, now: now)
        return applied
    }

    private func applyOne(_ envelope: CommandEnvelope, in tx: any WriteTransaction, now: Date) async throws
        -> [StoreEvent]
    {
        if case .createOrder(let order) = envelope.command {
            return try await createOrders([(envelope, order)], in: tx, now: now).events  // a run of one
        }
        let commandID = try uuid(envelope.id, "command id")
        guard try await tx.claimCommands([commandID], at: now).contains(commandID) else { return [] }
        let bodies: [EventBody]
        switch envelope.command {
        case .createOrder: bodies = []  // handled above
        case .changeOrderStatus(let c): bodies = try await changeStatus(c, in: tx, now: now)
        case .deleteOrder(let c): bodies = try await deleteOrder(c, in: tx, now: now)
        case .createCategory(let c): bodies = try await createCategory(c, in: tx)
        case .createMenu(let c): bodies = try await createMenu(c, in: tx)
        case .updateMenu(let c): bodies = try await updateMenu(c, in: tx)
        case .deleteMenu(let c): bodies = try await deleteMenu(c, in: tx, now: now)
        case .upsertTable(let c): bodies = try await upsertTable(c, in: tx, now: now)
        case .completeSession(let c): bodies = try await completeSession(c, in: tx, now: now)
        case .revokeToken(let c): bodies = try await revokeToken(c, in: tx)
        case .changeAdminPassword(let c): bodies = try await changeAdminPassword(c, in: tx, now: now)
        case .setMenuAvailability(let c): bodies = try await setAvailability(c, in: tx)
        case .cancelOrderItems(let c): bodies = try await cancelItems(c, in: tx, now: now)
        case .updateCategory(let c): bodies = try await updateCategory(c, in: tx)
        case .deleteCategory(let c): bodies = try await deleteCategory(c, in: tx, now: now)
        case .createCall(let c): bodies = try await createCall(c, in: tx, now: now)
        case .updateCall(let c): bodies = try await updateCall(c, in: tx, now: now)
        case .updateStore(let c):
            try await tx.updateStore(c)
            bodies = []
        }
        return try await tx.appendEvents(storeID: envelope.command.storeID, bodies: bodies, at: now)
    }

    func uuid(_ text: String, _ what: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw CommandRejection("malformed \(what)") }
        return id
    }
}

extension CommandEnvelope {
    /// Which cached reads of the store the command's effects make stale.
    public var staleScopes: [CacheScope] {
        switch command {
        case .createCategory, .createMenu, .updateMenu, .deleteMenu, .setMenuAvailability, .updateCategory,
            .deleteCategory:
            [.menus]
        // Portions go back to a counted stock.
        case .cancelOrderItems, .deleteOrder: [.orders, .menus]
        case .changeOrderStatus(let move) where move.to == .cancelled: [.orders, .menus]
        case .revokeToken, .changeAdminPassword, .updateStore: []
        default: [.orders]
        }
    }
}
