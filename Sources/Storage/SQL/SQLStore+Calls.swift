import Foundation
import TableOrderCore

/// Staff calls (contract v1.1 §7): the API's reads and the worker's steps.
extension SQLStore {
    static let callColumns = """
        SELECT c.id, c.store_id, c.table_id, t.table_number, c.type, c.note, c.status, c.created_at, c.updated_at
        FROM staff_calls c JOIN dining_tables t ON t.id = c.table_id
        """

    static func call(_ row: SQLRow) throws -> StaffCall {
        guard let type = CallType(rawValue: try row.string(4)), let status = CallStatus(rawValue: try row.string(6)) else {
            throw SQLRow.Mismatch(index: 4, expected: "a call type and status", value: .text(try row.string(4)))
        }
        return StaffCall(
            callID: try row.uuid(0).lowercased, storeID: try row.string(1), tableID: try row.uuid(2).lowercased,
            tableNumber: try row.int(3), type: type, note: try row.optionalString(5), status: status,
            createdAt: Timestamp.string(try row.date(7)), updatedAt: Timestamp.string(try row.date(8)))
    }

    public func openCallID(tableID: UUID, type: CallType) async throws -> String? {
        try await engine.query(
            "SELECT id FROM staff_calls WHERE table_id = ? AND type = ? AND status <> 'resolved'",
            [.uuid(tableID), .text(type.rawValue)]
        ).first?.uuid(0).lowercased
    }

    public func calls(storeID: String, tableID: UUID?, statuses: Set<CallStatus>, resolvedSince: Date) async throws
        -> [StaffCall]
    {
        let wanted = CallStatus.allCases.filter(statuses.contains)
        guard !wanted.isEmpty else { return [] }
        var binds: [SQLValue] = [.text(storeID)] + wanted.map { .text($0.rawValue) } + [.date(resolvedSince)]
        var table = ""
        if let tableID {
            table = " AND c.table_id = ?"
            binds.append(.uuid(tableID))
        }
        return try await engine.query(
            """
            \(Self.callColumns)
            WHERE c.store_id = ? AND c.status IN \(SQLDialect.list(wanted.count))
              AND (c.status <> 'resolved' OR c.updated_at >= ?)\(table)
            ORDER BY c.created_at, c.id
            """, binds
        ).map(Self.call)
    }

    public func call(id: UUID) async throws -> StaffCall? {
        try await engine.query("\(Self.callColumns) WHERE c.id = ?", [.uuid(id)]).first.map(Self.call)
    }
}

extension SQLWriteTransaction {
    func insertCall(_ command: CreateCall, id: UUID, tableID: UUID, at: Date) async throws -> StaffCall? {
        // The partial unique index refuses a second open call of a type; the id's key a redelivered one.
        guard try await connection.returnsRow(
            """
            INSERT INTO staff_calls (id, store_id, table_id, type, note, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT DO NOTHING RETURNING 1
            """,
            [
                .uuid(id), .text(command.storeID), .uuid(tableID), .text(command.type.rawValue), .optional(command.note),
                .date(at), .date(at),
            ])
        else { return nil }
        return try await connection.first("\(SQLStore.callColumns) WHERE c.id = ?", [.uuid(id)]).map(SQLStore.call)
    }

    func lockCall(storeID: String, id: UUID) async throws -> (status: CallStatus, tableID: UUID)? {
        guard let row = try await connection.first(
            "SELECT status, table_id FROM staff_calls WHERE id = ? AND store_id = ?\(dialect.forUpdate)",
            [.uuid(id), .text(storeID)])
        else { return nil }
        guard let status = CallStatus(rawValue: try row.string(0)) else { throw CommandRejection("unknown call status") }
        return (status, try row.uuid(1))
    }

    func setCallStatus(id: UUID, status: CallStatus, at: Date) async throws {
        try await connection.execute(
            "UPDATE staff_calls SET status = ?, updated_at = ? WHERE id = ?", [.text(status.rawValue), .date(at), .uuid(id)])
    }

    func resolveCalls(tableID: UUID, at: Date) async throws -> [(id: UUID, from: CallStatus)] {
        let open = try await connection.query(
            "SELECT id, status FROM staff_calls WHERE table_id = ? AND status <> 'resolved' ORDER BY created_at, id\(dialect.forUpdate)",
            [.uuid(tableID)])
        let calls = try open.map { row -> (id: UUID, from: CallStatus) in
            (try row.uuid(0), CallStatus(rawValue: try row.string(1)) ?? .open)
        }
        if !calls.isEmpty {
            try await connection.execute(
                "UPDATE staff_calls SET status = 'resolved', updated_at = ? WHERE table_id = ? AND status <> 'resolved'",
                [.date(at), .uuid(tableID)])
        }
        return calls
    }
}
