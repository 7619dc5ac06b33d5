/// The order state machine of contract §6. Kept in one place because the API checks moves
/// against what it can see and the worker re-checks them against the stored state.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending, preparing, completed, cancelled
    /// v1.1: the worker could not serve it (a menu deleted, switched off or sold out after the API's
    /// check). Terminal, and set only by the worker when it stores the order.
    case rejected

    /// Whether an order in this status counts toward totals (and sales).
    public var countsTowardTotal: Bool { self != .cancelled && self != .rejected }

    /// Whether nothing can change the order any more.
    public var isTerminal: Bool { self == .completed || self == .cancelled || self == .rejected }

    /// Whether `self → next` is an allowed move. Moving to the current status is not.
    public func canMove(to next: OrderStatus) -> Bool {
        switch (self, next) {
        case (.pending, .preparing), (.preparing, .completed), (.pending, .cancelled), (.preparing, .cancelled):
            true
        default:
            false
        }
    }
}
