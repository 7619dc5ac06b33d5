import Foundation

/// The worker's rules: how each command changes the store, whatever database is underneath.
///
/// Applying is idempotent twice over: the envelope's command id is claimed in the same transaction
/// (a redelivered message is skipped), and the ids inside come from the command (a client's retry with
/// the same `Idempotency-Key` finds its order already there and changes nothing).
public struct CommandHandler: Sendable {
    public init() {}

    /// Applies one command inside `tx` and returns the events it produced (in log order).
    public func apply(_ envelope: CommandEnvelope, in tx: any WriteTransaction, now: Date = Date()) async throws
        -> [StoreEvent]
    {
        guard let commandID = UUID(uuidString: envelope.id) else { throw CommandRejection("malformed command id") }
        guard try await tx.claimCommand(commandID, at: now) else { return [] }
        let storeID = envelope.command.storeID
        let bodies: [EventBody]
        switch envelope.command {
        case .createOrder(let c): bodies = try await createOrder(c, in: tx, now: now)
        case .changeOrderStatus(let c): bodies = try await changeStatus(c, in: tx, now: now)
        case .deleteOrder(let c): bodies = try await deleteOrder(c, in: tx, now: now)
        case .createCategory(let c): bodies = try await createCategory(c, in: tx)
        case .createMenu(let c): bodies = try await createMenu(c, in: tx)
        case .updateMenu(let c): bodies = try await updateMenu(c, in: tx)
        case .deleteMenu(let c): bodies = try await deleteMenu(c, in: tx, now: now)
        case .upsertTable(let c): bodies = try await upsertTable(c, in: tx)
        case .completeSession(let c): bodies = try await completeSession(c, in: tx, now: now)
        }
        var events: [StoreEvent] = []
        for body in bodies { events.append(try await tx.appendEvent(storeID: storeID, body: body, at: now)) }
        return events
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
        case .createCategory, .createMenu, .updateMenu, .deleteMenu: [.menus]
        default: [.orders]
        }
    }
}
