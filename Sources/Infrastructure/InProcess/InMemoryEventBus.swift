import TableOrderCore

/// The development-mode `EventBus`: commands go straight to the in-process consumer.
/// It keeps the bus's contract (a command is handed over exactly once, settled by the consumer)
/// without durability, which development mode does not promise.
public final class InMemoryEventBus: EventBus {
    private let stream: AsyncStream<InboundCommand>
    private let continuation: AsyncStream<InboundCommand>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: InboundCommand.self)
    }

    public func sendCommand(_ body: [UInt8], headers: [(String, String)], timeout: Duration) async throws {
        let headerMap = Dictionary(headers, uniquingKeysWith: { _, last in last })
        guard case .enqueued = continuation.yield(InboundCommand(body: body, headers: headerMap)) else {
            throw ServiceError.unavailable("command bus stopped")
        }
    }

    /// Development mode has no consumers of the topic exchange: the SSE hub gets events in-process.
    public func publishEvent(_ event: StoreEvent) async throws {}

    public func consumeCommands(prefetch: Int) -> any CommandSubscription {
        InMemorySubscription(commands: stream, finish: { [continuation] in continuation.finish() })
    }

    public var problem: DependencyProblem? { nil }

    public func shutdown() async { continuation.finish() }
}

struct InMemorySubscription: CommandSubscription {
    let commands: AsyncStream<InboundCommand>
    let finish: @Sendable () -> Void
    func acknowledge(through command: InboundCommand) {}
    func deadLetter(_ command: InboundCommand) {}
    func stop() { finish() }
    func close() {}
}
