/// The order state machine of contract §6. Kept in one place because the API checks moves
/// against what it can see and the worker re-checks them against the stored state.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending, preparing, completed, cancelled

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
