import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import TableOrderRabbitMQ

/// The connection handler's own duties on a testing channel: frame limits, heartbeats, timeouts, and
/// a close from outside that waits for the broker.
@Suite struct AMQPConnectionHandlerTests {
    let loop = NIOAsyncTestingEventLoop()
    let hooks = RecordingHooks()

    func adminSession() -> AMQPAdminSession {
        AMQPAdminSession(
            configuration: .init(user: "guest", password: "guest", virtualHost: "/"), eventLoop: loop,
            hooks: hooks.hooks)
    }

    func connect(_ session: AMQPAdminSession, frameMax: UInt32 = 131_072, heartbeat: UInt16 = 60) async throws
        -> FakeBroker
    {
        let broker = try await FakeBroker.connect(session, loop: loop)
        hooks.channel.withLockedValue { $0 = broker.channel }
        try await broker.handshake(setup: [], frameMax: frameMax, heartbeat: heartbeat)
        return broker
    }

    @Test func aFrameOverTheNegotiatedFrameMaxClosesTheConnection() async throws {
        let broker = try await connect(adminSession(), frameMax: 4096)
        try await broker.send(FrameBytes.body([UInt8](repeating: 0, count: 5000)))
        try await broker.channel.closeFuture.get()
        #expect(hooks.all.last == "record: frame of 5008 bytes exceeds the negotiated frame_max 4096")
    }

    @Test func heartbeatsAreSentWhenIdleAndSilenceCloses() async throws {
        // The broker proposes 60 s; we keep our 10 s: a tick every 5 s.
        let broker = try await connect(adminSession())
        await loop.advanceTime(by: .seconds(5))  // the handshake was traffic both ways: nothing to do
        #expect(try await broker.sentSoFar().isEmpty)
        await loop.advanceTime(by: .seconds(5))  // 5 s without writing: a heartbeat
        #expect(try await broker.next(skippingHeartbeats: false) == .heartbeat)
        try await broker.send(FrameBytes.heartbeatFrame)
        await loop.advanceTime(by: .seconds(15))
        #expect(broker.channel.isActive)
        await loop.advanceTime(by: .seconds(10))  // 20 s without a frame from the broker
        try await broker.channel.closeFuture.get()
        #expect(hooks.all.last == "record: no frame from the broker for 20 s (missed heartbeats)")
    }

    @Test func aBrokerThatNeverAnswersTheHandshakeIsGivenUp() async throws {
        let broker = try await FakeBroker.connect(adminSession(), loop: loop)
        try await broker.expectProtocolHeader()
        await loop.advanceTime(by: .seconds(10))
        try await broker.channel.closeFuture.get()
        #expect(hooks.all.last == "record: the broker did not complete the handshake in time (at connection.start)")
    }

    @Test func aCloseFromOutsideWaitsForCloseOKOrItsTimeout() async throws {
        let broker = try await connect(adminSession())
        let closed = loop.makePromise(of: Void.self)
        broker.channel.close(promise: closed)
        #expect(
            try await broker.nextMethod() == .connectionClose(replyCode: 200, replyText: "OK", classID: 0, methodID: 0))
        #expect(broker.channel.isActive)
        await loop.advanceTime(by: .seconds(2))
        try await closed.futureResult.get()
        #expect(!broker.channel.isActive)
        #expect(hooks.all.last == "record: closed by the client (the broker did not confirm)")
    }

    @Test func adminCallsArePipelinedAndARefusalReachesTheCaller() async throws {
        let session = adminSession()
        let broker = try await connect(session)
        let loop = self.loop
        func call(_ method: AMQPMethod) -> Task<AMQPAdminReply, any Error> {
            Task {
                try await withUnsafeThrowingContinuation { continuation in
                    loop.execute { session.call(method, deadline: loop.now + .seconds(5), caller: continuation) }
                }
            }
        }
        let get = call(.basicGet(queue: "q", noAck: true))
        #expect(try await broker.nextMethod() == .basicGet(queue: "q", noAck: true))
        let purge = call(.queuePurge(queue: "missing"))  // sent before the first is answered
        #expect(try await broker.nextMethod() == .queuePurge(queue: "missing"))
        try await broker.send(
            FrameBytes.message(
                .basicGetOK(deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q", messageCount: 0),
                body: [5]))
        #expect(try await get.value == .message([5]))
        try await broker.send(
            .channelClose(replyCode: 404, replyText: "NOT_FOUND - no queue 'missing'", classID: 50, methodID: 30))
        #expect(try await broker.nextMethod() == .channelCloseOK)
        do {
            _ = try await purge.value
            Issue.record("no error")
        } catch {
            #expect(
                "\(error)"
                    == "queue.purge: channel closed by the broker: 404 NOT_FOUND - no queue 'missing' (after queue.purge)"
            )
        }
    }
}

extension FrameBytes {
    static var heartbeatFrame: ByteBuffer {
        var buffer = ByteBuffer()
        AMQPFrameEncoder().writeHeartbeat(into: &buffer)
        return buffer
    }
}
