import NIOConcurrencyHelpers
import TableOrderCore

/// The development-mode `EventChannel`: events go straight from the in-process worker to this process's
/// SSE hub. The event log stays the truth, as in production.
public final class InProcessEventChannel: EventChannel {
    private let listeners = NIOLockedValueBox<[@Sendable (StoreEvent) -> Void]>([])

    public init() {}

    public func publish(_ event: StoreEvent) async throws {
        for listener in listeners.withLockedValue({ $0 }) { listener(event) }
    }

    public func listen(
        onEvent: @escaping @Sendable (StoreEvent) -> Void, onResync: @escaping @Sendable () -> Void
    ) async throws {
        listeners.withLockedValue { $0.append(onEvent) }
        onResync()
    }

    public var problem: DependencyProblem? { nil }

    public func shutdown() {}
}
