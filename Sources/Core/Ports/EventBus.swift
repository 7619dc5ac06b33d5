/// Names of the broker objects, shared by every process so they always agree.
public enum Topology {
    /// Durable quorum queue of write commands, consumed by the worker pool.
    public static let commandQueue = "tableorder.commands"
    /// Where a command that can never apply ends up after `commandDeliveryLimit` attempts.
    public static let deadLetterQueue = "tableorder.commands.dead"
    /// Durable topic exchange on which workers republish every store event (`order.created`, …).
    public static let eventsExchange = "table-order-events"
    public static let commandDeliveryLimit = 5
}

/// A command handed to this process to apply, with the means to settle it.
public struct InboundCommand: Sendable {
    public var body: [UInt8]
    public var redelivered: Bool
    public var headers: [String: String]
    /// The broker's delivery tag and connection generation (settlements of an older connection are void).
    public let tag: UInt64
    public let generation: Int

    public init(body: [UInt8], redelivered: Bool = false, headers: [String: String] = [:], tag: UInt64 = 0, generation: Int = 0) {
        self.body = body
        self.redelivered = redelivered
        self.headers = headers
        self.tag = tag
        self.generation = generation
    }
}

/// A running consumption of the command queue.
public protocol CommandSubscription: Sendable {
    var commands: AsyncStream<InboundCommand> { get }
    /// Settles every command received so far up to and including `command` (acks follow commits).
    func acknowledge(through command: InboundCommand)
    /// Gives up on a command that can never apply: it goes to the dead-letter queue.
    func deadLetter(_ command: InboundCommand)
    /// Stops receiving: `commands` ends after what was already received.
    func stop()
    /// Applies the settlements requested so far and closes; unsettled commands go back to the queue.
    func close()
}

/// The message bus of the original design: commands travel API → worker through it, events leave through it.
///
/// API and worker depend on this protocol only; configuration picks the RabbitMQ implementation
/// (production) or the in-memory one (development, tests of pure logic).
public protocol EventBus: Sendable {
    /// Queues a command durably; returns only once the broker has confirmed it.
    func sendCommand(_ body: [UInt8], headers: [(String, String)], timeout: Duration) async throws
    /// Publishes a store event on the `table-order-events` topic exchange.
    func publishEvent(_ event: StoreEvent) async throws
    /// Publishes events in this order, their confirms awaited together; throws the first failure.
    func publishEvents(_ events: [StoreEvent]) async throws
    /// Starts consuming commands, at most `prefetch` unsettled at a time.
    func consumeCommands(prefetch: Int) -> any CommandSubscription
    /// `nil` when healthy, else what is wrong (for `/readyz`).
    var problem: DependencyProblem? { get }
    func shutdown() async
}

extension EventBus {
    public func publishEvents(_ events: [StoreEvent]) async throws {
        for event in events { try await publishEvent(event) }
    }
}
