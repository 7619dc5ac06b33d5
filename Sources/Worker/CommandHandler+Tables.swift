import Foundation
import TableOrderCore

extension CommandHandler {
    /// Creates the table or resets its password; a reset bumps the table's credential version and logs
    /// the revocation of every older token of the table. No event: nothing an admin's board shows changes.
    func upsertTable(_ command: UpsertTable, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let id = try uuid(command.tableID, "table id")
        let table = try await tx.setTablePassword(
            storeID: command.storeID, tableID: id, number: command.tableNumber, passwordHash: command.passwordHash)
        if table.credentialVersion > 0 {
            try await revokeTokens(
                of: table.tableID, below: table.credentialVersion, lifetime: TokenLifetime.table, in: tx, now: now)
        }
        return []
    }

    /// Ends the table's current session: its orders move to history, the table's total becomes 0, and its
    /// calls are resolved (those too when it has no session: the table is cleared either way).
    func completeSession(_ command: CompleteSession, in tx: any WriteTransaction, now: Date) async throws
        -> [EventBody]
    {
        let tableID = try uuid(command.tableID, "table id")
        guard let table = try await tx.lockTable(storeID: command.storeID, tableID: tableID) else {
            throw CommandRejection("table \(command.tableID) is not in store \(command.storeID)")
        }
        let calls = try await resolveCalls(of: tableID, in: tx, now: now)
        guard let sessionID = table.sessionID else { return calls }
        let total = try await tx.sessionTotal(sessionID: sessionID)
        try await tx.endSession(tableID: tableID, sessionID: sessionID, at: now)
        return calls + [
            .tableSessionCompleted(tableID: command.tableID, sessionID: sessionID.lowercased, totalAmount: total)
        ]
    }
}
