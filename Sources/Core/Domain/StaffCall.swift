/// What a table asks staff for (contract v1.1 §7).
public enum CallType: String, Codable, Sendable, CaseIterable {
    case water, bill, assistance, utensils, other
}

/// A call's state machine: `open → acknowledged → resolved`, `open → resolved`.
public enum CallStatus: String, Codable, Sendable, CaseIterable {
    case open, acknowledged, resolved

    public func canMove(to next: CallStatus) -> Bool {
        switch (self, next) {
        case (.open, .acknowledged), (.open, .resolved), (.acknowledged, .resolved): true
        default: false
        }
    }
}

/// The call JSON of contract v1.1 §7.
public struct StaffCall: Codable, Sendable, Equatable {
    public var callID: String
    public var storeID: String
    public var tableID: String
    public var tableNumber: Int
    public var type: CallType
    public var note: String?
    public var status: CallStatus
    public var createdAt: String
    public var updatedAt: String

    public init(
        callID: String, storeID: String, tableID: String, tableNumber: Int, type: CallType, note: String?,
        status: CallStatus, createdAt: String, updatedAt: String
    ) {
        self.callID = callID
        self.storeID = storeID
        self.tableID = tableID
        self.tableNumber = tableNumber
        self.type = type
        self.note = note
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case callID = "call_id", storeID = "store_id", tableID = "table_id", tableNumber = "table_number", type, note
        case status, createdAt = "created_at", updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(callID, forKey: .callID)
        try c.encode(storeID, forKey: .storeID)
        try c.encode(tableID, forKey: .tableID)
        try c.encode(tableNumber, forKey: .tableNumber)
        try c.encode(type, forKey: .type)
        try c.encode(note, forKey: .note)
        try c.encode(status, forKey: .status)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}
