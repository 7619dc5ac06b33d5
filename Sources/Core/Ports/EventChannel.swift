/// Carries committed store events from workers to every SSE node. Only a wake-up: the event log in the
/// database stays the truth, and listeners fill gaps from it.
public protocol EventChannel: Sendable {
    func publish(_ event: StoreEvent) async throws
    /// Publishes events in this order (one round trip where the channel allows); throws the first failure.
    func publish(_ events: [StoreEvent]) async throws
    /// Starts delivering every store's events to `onEvent`; `onResync` fires after every (re)subscribe.
    func listen(
        onEvent: @escaping @Sendable (StoreEvent) -> Void, onResync: @escaping @Sendable () -> Void
    ) async throws
    var problem: DependencyProblem? { get }
    func shutdown()
}

extension StoreEvent {
    /// The Redis channel of a store's events.
    public static func channel(for storeID: String) -> String { "tableorder:events:\(storeID)" }
    public static let channelPrefix = "tableorder:events:"
}

extension EventChannel {
    public func publish(_ events: [StoreEvent]) async throws {
        for event in events { try await publish(event) }
    }
}
