import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import TableOrderRabbitMQ

/// The publisher session on a testing channel, against a scripted broker: frames out, confirms in,
/// and every path by which callers are answered.
@Suite struct AMQPPublisherSessionTests {
    static let queue = AMQPDeclaration.transientQueue("q")
    static let setup: [AMQPMethod] = [.confirmSelect, queue.method]

    let loop = NIOAsyncTestingEventLoop()
    let hooks = RecordingHooks()
    let session: AMQPPublisherSession

    init() {
        session = AMQPPublisherSession(
            configuration: .init(user: "guest", password: "guest", virtualHost: "/"), declarations: [Self.queue],
            eventLoop: loop,
            hooks: hooks.hooks, logger: .test)
    }

    func connect() async throws -> FakeBroker {
        let broker = try await FakeBroker.connect(session, loop: loop)
        hooks.channel.withLockedValue { $0 = broker.channel }
        try await broker.handshake(setup: Self.setup)
        return broker
    }

    /// Starts a publish as `AMQPPublisher.publish` does; its task ends with the caller's answer.
    func publish(_ body: [UInt8] = [1], routingKey: String = "q", timeout: TimeAmount = .seconds(5)) -> Task<
        Void, any Error
    > {
        let session = self.session
        let loop = self.loop
        return Task {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                loop.execute {
                    session.publish(
                        exchange: "", routingKey: routingKey, body: body, mandatory: true, headers: [("h", "v")],
                        deadline: loop.now + timeout, caller: .single(continuation))
                }
            }
        }
    }

    static func failure(of task: Task<Void, any Error>) async -> AMQPPublisher.Failure? {
        do {
            try await task.value
            return nil
        } catch {
            return error as? AMQPPublisher.Failure
        }
    }

    @Test func aPublishIsWrittenAndAnsweredByItsConfirm() async throws {
        let broker = try await connect()
        #expect(hooks.all == ["ready"])
        let first = publish([1, 2, 3])
        #expect(
            try await broker.next()
                == .method(channel: 1, .basicPublish(exchange: "", routingKey: "q", mandatory: true)))
        #expect(
            try await broker.next()
                == .header(
                    channel: 1,
                    AMQPContentHeader(
                        bodySize: 3,
                        properties: AMQPProperties(
                            contentType: "application/json", deliveryMode: 2, messageID: "1", headers: ["h": "v"]))))
        #expect(try await broker.next() == .body(channel: 1, ByteBuffer(bytes: [1, 2, 3])))
        let second = publish([4])
        #expect(try await broker.nextMethod() == .basicPublish(exchange: "", routingKey: "q", mandatory: true))
        _ = try await broker.next()
        _ = try await broker.next()
        try await broker.send(.basicAck(deliveryTag: 2, multiple: true))
        try await first.value
        try await second.value
    }

    @Test func aReturnedMandatoryMessageIsUnroutable() async throws {
        let broker = try await connect()
        let task = publish(routingKey: "nowhere")
        for _ in 0..<3 { _ = try await broker.next() }
        try await broker.send(
            FrameBytes.message(
                .basicReturn(replyCode: 312, replyText: "NO_ROUTE", exchange: "", routingKey: "nowhere"),
                properties: AMQPProperties(messageID: "1"), body: [1]))
        try await broker.send(.basicAck(deliveryTag: 1, multiple: false))
        #expect(await Self.failure(of: task) == .unroutable)
        let nacked = publish()
        for _ in 0..<3 { _ = try await broker.next() }
        try await broker.send(.basicNack(deliveryTag: 2, multiple: false, requeue: false))
        #expect(await Self.failure(of: nacked) == .nacked)
    }

    @Test func aLostConnectionAnswersInFlightCallersAndRefusesNewOnesUntilReconnected() async throws {
        let broker = try await connect()
        let inFlight = publish()
        for _ in 0..<3 { _ = try await broker.next() }
        try await broker.closeConnection()
        #expect(await Self.failure(of: inFlight) == .connectionLost)
        #expect(await Self.failure(of: publish()) == .notConnected("320 CONNECTION_FORCED - test"))
        #expect(hooks.all == ["ready", "record: 320 CONNECTION_FORCED - test"])

        // The supervisor's next connection: tags start over at 1.
        let again = try await connect()
        let task = publish()
        let method = try await again.next()
        guard case .header(_, let header) = try await again.next() else {
            Issue.record("no header")
            return
        }
        #expect(method == .method(channel: 1, .basicPublish(exchange: "", routingKey: "q", mandatory: true)))
        #expect(header.properties.messageID == "1")
        try await again.send(.basicAck(deliveryTag: 1, multiple: false))
        try await task.value
    }

    @Test func aBlockedBrokerRefusesPublishesUntilUnblocked() async throws {
        let broker = try await connect()
        let inFlight = publish()
        for _ in 0..<3 { _ = try await broker.next() }
        try await broker.send(.connectionBlocked(reason: "low on memory"), channel: 0)
        #expect(await Self.failure(of: inFlight) == .blocked("low on memory"))
        #expect(session.blockedReason.withLockedValue { $0 } == "low on memory")
        #expect(await Self.failure(of: publish()) == .blocked("low on memory"))
        #expect(try await broker.sentSoFar().isEmpty)  // nothing written, nothing queued
        try await broker.send(.connectionUnblocked, channel: 0)
        #expect(session.blockedReason.withLockedValue { $0 } == nil)
        let task = publish()
        guard
            case .header(_, let header) = try await {
                _ = try await broker.next()
                return try await broker.next()
            }()
        else {
            Issue.record("no header")
            return
        }
        #expect(header.properties.messageID == "2")  // the blocked one keeps tag 1
        try await broker.send(.basicAck(deliveryTag: 2, multiple: true))
        try await task.value
    }

    @Test func aCallerWhoseDeadlinePassesTimesOut() async throws {
        let broker = try await connect()
        let task = publish(timeout: .seconds(1))
        for _ in 0..<3 { _ = try await broker.next() }
        await loop.advanceTime(by: .milliseconds(1001))
        #expect(await Self.failure(of: task) == .timedOut)
        try await broker.send(.basicAck(deliveryTag: 1, multiple: false))  // late: answers nobody
        let next = publish()
        for _ in 0..<3 { _ = try await broker.next() }
        try await broker.send(.basicAck(deliveryTag: 2, multiple: false))
        try await next.value
    }

    @Test func shutdownWaitsForConfirmsThenClosesPolitely() async throws {
        let broker = try await connect()
        let task = publish()
        for _ in 0..<3 { _ = try await broker.next() }
        let stopped = try await loop.executeInContext { self.session.shutdown() }
        #expect(await Self.failure(of: publish()) == .stopped)
        #expect(!hooks.all.contains("stop"))
        try await broker.send(.basicAck(deliveryTag: 1, multiple: false))
        try await task.value
        #expect(hooks.all.contains("stop"))
        // The supervisor's close becomes connection.close, then the socket once the broker agrees.
        #expect(
            try await broker.nextMethod() == .connectionClose(replyCode: 200, replyText: "OK", classID: 0, methodID: 0))
        #expect(broker.channel.isActive)
        try await broker.send(.connectionCloseOK, channel: 0)
        try await stopped.get()
        #expect(!broker.channel.isActive)
    }

    @Test func shutdownWhileDisconnectedStopsAtOnce() async throws {
        let stopped = try await loop.executeInContext { self.session.shutdown() }
        #expect(hooks.all == ["stop"])
        _ = stopped
        #expect(await Self.failure(of: publish()) == .stopped)
    }

    @Test func anUnencodableMessageIsRefusedAlone() async throws {
        let broker = try await connect()
        #expect(
            await Self.failure(of: publish(routingKey: String(repeating: "k", count: 256)))?.code == .invalidMessage)
        let task = publish()
        guard
            case .header(_, let header) = try await {
                _ = try await broker.next()
                return try await broker.next()
            }()
        else {
            Issue.record("no header")
            return
        }
        #expect(header.properties.messageID == "1")
        try await broker.send(.basicAck(deliveryTag: 1, multiple: false))
        try await task.value
    }
}
