import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import TableOrderRabbitMQ

/// The broker's end of a `NIOAsyncTestingChannel`: reads the frames a session writes, and writes the
/// broker's. Heartbeats from the client are skipped unless asked for.
final class FakeBroker {
    let channel: NIOAsyncTestingChannel
    private var pending = ByteBuffer()
    private let decoder = AMQPFrameDecoder(limit: AMQPFrameLimit(maximumFrameSize: 1 << 20))

    init(_ channel: NIOAsyncTestingChannel) { self.channel = channel }

    var loop: NIOAsyncTestingEventLoop { channel.testingEventLoop }

    /// A channel on `loop` with `session`'s handlers, connected (so the handshake starts).
    static func connect(_ session: some ConnectionSessionForTests, loop: NIOAsyncTestingEventLoop) async throws
        -> FakeBroker
    {
        let channel = NIOAsyncTestingChannel(loop: loop)
        try await loop.executeInContext { try session.configure(channel) }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5672))
        return FakeBroker(channel)
    }

    func expectProtocolHeader() async throws {
        while pending.readableBytes < 8 { try await read() }
        #expect(pending.readBytes(length: 8) == AMQPFrameEncoder.protocolHeader)
    }

    /// The next frame the client sent.
    func next(skippingHeartbeats: Bool = true) async throws -> AMQPFrame {
        while true {
            if let frame = try decoder.next(from: &pending) {
                if skippingHeartbeats, frame == .heartbeat { continue }
                return frame
            }
            try await read()
        }
    }

    func nextMethod() async throws -> AMQPMethod {
        let frame = try await next()
        guard case .method(_, let method) = frame else {
            Issue.record("expected a method, got \(frame)")
            return .other(id: 0)
        }
        return method
    }

    /// What the client sent so far, without waiting.
    func sentSoFar() async throws -> [AMQPFrame] {
        await loop.run()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            var buffer = buffer
            pending.writeBuffer(&buffer)
        }
        var frames: [AMQPFrame] = []
        while let frame = try decoder.next(from: &pending) {
            if frame != .heartbeat { frames.append(frame) }
        }
        return frames
    }

    func send(_ method: AMQPMethod, channel number: UInt16 = 1) async throws {
        try await channel.writeInbound(FrameBytes.method(method, channel: number))
    }

    func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeInbound(bytes)
    }

    /// Plays the broker's side of the handshake, then answers the setup methods it expects.
    func handshake(setup: [AMQPMethod], frameMax: UInt32 = 131_072, heartbeat: UInt16 = 60) async throws {
        try await expectProtocolHeader()
        try await send(
            .connectionStart(
                versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "PLAIN", locales: "en_US"),
            channel: 0)
        guard case .connectionStartOK = try await nextMethod() else {
            Issue.record("no start-ok")
            return
        }
        try await send(.connectionTune(channelMax: 2047, frameMax: frameMax, heartbeat: heartbeat), channel: 0)
        guard case .connectionTuneOK = try await nextMethod() else {
            Issue.record("no tune-ok")
            return
        }
        guard case .connectionOpen = try await nextMethod() else {
            Issue.record("no open")
            return
        }
        try await send(.connectionOpenOK, channel: 0)
        #expect(try await nextMethod() == .channelOpen)
        try await send(.channelOpenOK)
        for expected in setup {
            #expect(try await nextMethod() == expected)
        }
        for request in setup { try await send(Self.answer(to: request)) }
    }

    /// The broker's close: `connection.close`, expecting `close-ok`, after which the client closes.
    func closeConnection(code: UInt16 = 320, text: String = "CONNECTION_FORCED - test") async throws {
        try await send(.connectionClose(replyCode: code, replyText: text, classID: 0, methodID: 0), channel: 0)
        #expect(try await nextMethod() == .connectionCloseOK)
        try await channel.closeFuture.get()
    }

    static func answer(to request: AMQPMethod) -> AMQPMethod {
        switch request {
        case .confirmSelect: .confirmSelectOK
        case .exchangeDeclare: .exchangeDeclareOK
        case .queueDeclare(let queue, _, _, _, _): .queueDeclareOK(queue: queue, messageCount: 0, consumerCount: 0)
        case .queueBind: .queueBindOK
        case .basicQos: .basicQosOK
        case .basicConsume(_, let tag, _, _): .basicConsumeOK(consumerTag: tag)
        default: .other(id: 0)
        }
    }

    /// Waits (up to 5 s of real time, so that a test that expects too much fails instead of hanging)
    /// for the client's next write.
    private func read() async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            await loop.run()  // what the client scheduled for this tick (its flush)
            if var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                pending.writeBuffer(&buffer)
                return
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw NothingSent()
    }

    struct NothingSent: Error {}
}

/// The sessions' `configure`, which runs on the loop.
protocol ConnectionSessionForTests: Sendable {
    func configure(_ channel: any Channel) throws
}

extension AMQPPublisherSession: ConnectionSessionForTests {}
extension AMQPConsumerSession: ConnectionSessionForTests {}
extension AMQPAdminSession: ConnectionSessionForTests {}

/// What a session told its supervisor, and a stop that closes the test's current channel.
final class RecordingHooks: Sendable {
    let events = NIOLockedValueBox<[String]>([])
    let channel = NIOLockedValueBox<NIOAsyncTestingChannel?>(nil)

    var hooks: AMQPSessionHooks {
        AMQPSessionHooks(
            ready: { self.events.withLockedValue { $0.append("ready") } },
            record: { reason in self.events.withLockedValue { $0.append("record: \(reason)") } },
            stop: {
                self.events.withLockedValue { $0.append("stop") }
                guard let channel = self.channel.withLockedValue({ $0 }) else {
                    return EmbeddedEventLoop().makeSucceededVoidFuture()
                }
                return channel.close()
            })
    }

    var all: [String] { events.withLockedValue { $0 } }
}

extension Logger {
    static let test = Logger(label: "rabbitmq-tests")
}
