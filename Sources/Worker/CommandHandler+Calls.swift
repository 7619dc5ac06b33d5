import Foundation
import TableOrderCore

extension CommandHandler {
    /// A table's call: stored unless the table has an open one of that type (the API answered that one's
    /// id when it could see it; one stored meanwhile wins, and this makes nothing).
    func createCall(_ command: CreateCall, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let id = try uuid(command.callID, "call id")
        let tableID = try uuid(command.tableID, "table id")
        guard try await tx.lockTable(storeID: command.storeID, tableID: tableID) != nil else {
            throw CommandRejection("table \(command.tableID) is not in store \(command.storeID)")
        }
        guard let call = try await tx.insertCall(command, id: id, tableID: tableID, at: now) else { return [] }
        return [.callCreated(call)]
    }

    /// Compare-and-set on the status staff saw; a move that has become invalid meanwhile changes nothing.
    func updateCall(_ command: UpdateCall, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let id = try uuid(command.callID, "call id")
        guard let stored = try await tx.lockCall(storeID: command.storeID, id: id) else {
            throw CommandRejection("call \(command.callID) is not in store \(command.storeID)")
        }
        guard stored.status == command.from, stored.status.canMove(to: command.to) else { return [] }
        try await tx.setCallStatus(id: id, status: command.to, at: now)
        return [.callUpdated(callID: command.callID, tableID: stored.tableID.lowercased, from: stored.status, to: command.to)]
    }

    /// What completing a table's session does to its calls: every one not resolved is.
    func resolveCalls(of tableID: UUID, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        try await tx.resolveCalls(tableID: tableID, at: now).map {
            .callUpdated(callID: $0.id.lowercased, tableID: tableID.lowercased, from: $0.from, to: .resolved)
        }
    }
}
