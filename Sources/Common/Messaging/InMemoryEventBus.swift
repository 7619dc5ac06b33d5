import NIOConcurrencyHelpers

/// The development-mode `EventBus`: commands go straight to the in-process consumer.
/// It keeps the bus's contract (a command is handed over exactly once, settled by the consumer)
/// without durability, which development mode does not promise.
public final class InMemoryEventBus: EventBus {
    private let stream: AsyncStream<InboundCommand>
    private let continuation: AsyncStream<InboundCommand>.Continuation
    private let published = NIOLockedValueBox<[StoreEvent]>([])

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: InboundCommand.self)
    }

    public func sendCommand(_ body: [UInt8], headers: [(String, String)], timeout: Duration) async throws {
        let headerMap = Dictionary(headers, uniquingKeysWith: { _, last in last })
        guard case .enqueued = continuation.yield(InboundCommand(body: body, headers: headerMap)) else {
            throw ServiceError.unavailable("command bus stopped")
        }
    }

    public func publishEvent(_ event: StoreEvent) async throws {
        published.withLockedValue { events in
            events.append(event)
            if events.count > 1000 { events.removeFirst(events.count - 1000) }
        }
    }

    /// The most recent events published on the (in-memory) topic exchange.
    public var publishedEvents: [StoreEvent] { published.withLockedValue { $0 } }

    public func consumeCommands(prefetch: Int) -> any CommandSubscription {
        InMemorySubscription(commands: stream, finish: { [continuation] in continuation.finish() })
    }

    public var problem: String? { nil }

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
