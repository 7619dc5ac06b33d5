import Logging
import NIOPosix
import TableOrderCore

/// The production `EventBus`: commands to a durable quorum queue with publisher confirms and
/// `mandatory` (an unroutable command is an error, never a silent loss), events to a durable topic exchange.
public final class RabbitMQEventBus: EventBus {
    private let url: AMQPURL
    private let logger: Logger
    private let publisher: AMQPPublisher

    public init(url: AMQPURL, logger: Logger) {
        self.url = url
        self.logger = logger
        self.publisher = AMQPPublisher(name: "amqp-publisher", url: url, logger: logger, declareTopology: Self.declare)
    }

    /// Declares everything, idempotently, on every (re)connect: whichever process starts first creates it.
    static func declare(_ connection: AMQPConnection) throws {
        try connection.declareTopicExchange(Topology.eventsExchange)
        try connection.declareQueue(Topology.deadLetterQueue, arguments: [("x-queue-type", .string("quorum"))])
        try connection.declareQueue(
            Topology.commandQueue,
            arguments: [
                ("x-queue-type", .string("quorum")),
                ("x-delivery-limit", .int(Topology.commandDeliveryLimit)),
                ("x-dead-letter-exchange", .string("")),
                ("x-dead-letter-routing-key", .string(Topology.deadLetterQueue)),
            ])
    }

    public func sendCommand(_ body: [UInt8], headers: [(String, String)], timeout: Duration) async throws {
        try await publisher.publish(
            exchange: "", routingKey: Topology.commandQueue, body: body, mandatory: true, headers: headers,
            timeout: timeout)
    }

    public func publishEvent(_ event: StoreEvent) async throws {
        try await publisher.publish(
            exchange: Topology.eventsExchange, routingKey: event.routingKey, body: Array(event.data.utf8),
            mandatory: false, timeout: .seconds(3))
    }

    public func publishEvents(_ events: [StoreEvent]) async throws {
        let outcomes = await publisher.publishAll(
            events.map {
                AMQPPublisher.Message(
                    exchange: Topology.eventsExchange, routingKey: $0.routingKey, body: Array($0.data.utf8),
                    mandatory: false)
            }, timeout: .seconds(3))
        for outcome in outcomes { try outcome.get() }
    }

    public func consumeCommands(prefetch: Int) -> any CommandSubscription {
        RabbitMQSubscription(
            consumer: AMQPConsumer(
                url: url, queue: Topology.commandQueue, prefetch: UInt16(clamping: prefetch), logger: logger,
                declareTopology: Self.declare))
    }

    public var problem: DependencyProblem? {
        publisher.isConnected ? nil : DependencyProblem("rabbitmq", publisher.lastErrorDescription)
    }

    public func shutdown() async {
        let publisher = self.publisher
        // Blocks until in-flight confirms settle: a thread of its own, never an event loop.
        _ = try? await NIOThreadPool.singleton.runIfActive { publisher.shutdown() }
    }
}

struct RabbitMQSubscription: CommandSubscription {
    let consumer: AMQPConsumer

    var commands: AsyncStream<InboundCommand> {
        let source = consumer.deliveries
        return AsyncStream { continuation in
            let task = Task {
                for await d in source {
                    continuation.yield(
                        InboundCommand(
                            body: d.body, redelivered: d.redelivered, headers: d.headers, tag: d.tag,
                            generation: d.generation))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func acknowledge(through command: InboundCommand) {
        consumer.ack(through: command.tag, generation: command.generation)
    }

    func deadLetter(_ command: InboundCommand) {
        consumer.reject(command.tag, generation: command.generation)
    }

    func stop() { consumer.stopDelivering() }

    func close() { consumer.shutdown() }
}
