import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import TableOrderRabbitMQ

/// The consumer session on testing channels, against a scripted broker: deliveries out, settlements in,
/// across a reconnection, a cancel from the broker, and shutdown.
@Suite struct AMQPConsumerSessionTests {
    static let queue = AMQPDeclaration.transientQueue("q")
    static let setup: [AMQPMethod] = [
        queue.method, .basicQos(prefetchCount: 10),
        .basicConsume(queue: "q", consumerTag: "c-1", noAck: false, exclusive: false),
    ]

    let loop = NIOAsyncTestingEventLoop()
    let hooks = RecordingHooks()
    let session: AMQPConsumerSession
    let deliveries: AsyncStream<AMQPConsumer.Delivery>

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: AMQPConsumer.Delivery.self)
        deliveries = stream
        session = AMQPConsumerSession(
            configuration: .init(user: "guest", password: "guest", virtualHost: "/"),
            machine: AMQPConsumerStateMachine(
                queue: "q", consumerTag: "c-1", prefetch: 10, declarations: [Self.queue.method]),
            eventLoop: loop, continuation: continuation, hooks: hooks.hooks, logger: .test)
    }

    func connect(setup: [AMQPMethod] = setup) async throws -> FakeBroker {
        let broker = try await FakeBroker.connect(session, loop: loop)
        hooks.channel.withLockedValue { $0 = broker.channel }
        try await broker.handshake(setup: setup)
        return broker
    }

    static func deliver(_ tag: UInt64, _ body: [UInt8], redelivered: Bool = false) -> ByteBuffer {
        FrameBytes.message(
            .basicDeliver(
                consumerTag: "c-1", deliveryTag: tag, redelivered: redelivered, exchange: "", routingKey: "q"),
            properties: AMQPProperties(headers: ["traceparent": "t"]), body: body)
    }

    func onLoop(_ body: @escaping @Sendable (AMQPConsumerSession) -> Void) async throws {
        let session = self.session
        try await loop.executeInContext { body(session) }
    }

    @Test func deliveriesFlowOutAndAcksFlowBack() async throws {
        let broker = try await connect()
        #expect(hooks.all == ["ready"])
        try await broker.send(Self.deliver(1, [1]))
        try await broker.send(Self.deliver(2, Array(repeating: 7, count: 300_000)))
        var iterator = deliveries.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(
            first
                == AMQPConsumer.Delivery(
                    body: [1], tag: 1, generation: 1, redelivered: false, headers: ["traceparent": "t"]))
        let second = try #require(await iterator.next())
        #expect(second.body.count == 300_000 && second.tag == 2)
        try await onLoop { $0.ack(through: 2, generation: 1) }
        try await onLoop { $0.reject(2, generation: 1) }  // settled already: dropped
        #expect(try await broker.next() == .method(channel: 1, .basicAck(deliveryTag: 2, multiple: true)))
        #expect(try await broker.sentSoFar().isEmpty)
    }

    @Test func aReconnectionIsANewGenerationAndOldAcksAreDropped() async throws {
        let broker = try await connect()
        try await broker.send(Self.deliver(1, [1]))
        var iterator = deliveries.makeAsyncIterator()
        _ = await iterator.next()
        try await broker.closeConnection()
        #expect(hooks.all == ["ready", "record: 320 CONNECTION_FORCED - test"])
        try await onLoop { $0.ack(through: 1, generation: 1) }  // no connection: dropped

        let again = try await connect()
        try await again.send(Self.deliver(1, [1], redelivered: true))
        let redelivered = try #require(await iterator.next())
        #expect(redelivered.generation == 2 && redelivered.redelivered)
        try await onLoop { $0.ack(through: 1, generation: 1) }  // the old generation's: void
        #expect(try await again.sentSoFar().isEmpty)
        try await onLoop { $0.ack(through: 1, generation: 2) }
        #expect(try await again.next() == .method(channel: 1, .basicAck(deliveryTag: 1, multiple: true)))
    }

    @Test func aCancelFromTheBrokerClosesTheConnectionForAReconnect() async throws {
        let broker = try await connect()
        try await broker.send(.basicCancel(consumerTag: "c-1", noWait: true))
        try await broker.channel.closeFuture.get()
        #expect(hooks.all.last?.contains("the broker cancelled the consumer of q") == true)
    }

    @Test func stopDeliveringCancelsAndEndsTheStream() async throws {
        let broker = try await connect()
        try await broker.send(Self.deliver(1, [1]))
        try await onLoop { $0.stopDelivering() }
        #expect(try await broker.nextMethod() == .basicCancel(consumerTag: "c-1", noWait: false))
        try await broker.send(Self.deliver(2, [2]))  // sent before the broker saw the cancel
        try await broker.send(.basicCancelOK(consumerTag: "c-1"))
        var received: [UInt64] = []
        for await delivery in deliveries { received.append(delivery.tag) }
        #expect(received == [1])
        // A reconnection after a stop does not consume again.
        try await broker.closeConnection()
        _ = try await connect(setup: [Self.queue.method, .basicQos(prefetchCount: 10)])
    }

    @Test func shutdownSendsTheRequestedSettlementsThenClosesPolitely() async throws {
        let broker = try await connect()
        try await broker.send(Self.deliver(1, [1]))
        try await broker.send(Self.deliver(2, [2]))
        var iterator = deliveries.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        let stopped = try await loop.executeInContext { () -> EventLoopFuture<Void> in
            self.session.reject(1, generation: 1)
            self.session.ack(through: 2, generation: 1)
            return self.session.shutdown()
        }
        #expect(await iterator.next() == nil)
        #expect(try await broker.nextMethod() == .basicReject(deliveryTag: 1, requeue: false))
        #expect(try await broker.nextMethod() == .basicAck(deliveryTag: 2, multiple: true))
        #expect(
            try await broker.nextMethod() == .connectionClose(replyCode: 200, replyText: "OK", classID: 0, methodID: 0))
        try await broker.send(.connectionCloseOK, channel: 0)
        try await stopped.get()
        #expect(!broker.channel.isActive)
    }
}
