import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TableOrderConnections
import TableOrderCore
import Testing
@testable import TableOrderRedis

/// The subscription's glue on an embedded channel: subscribe, deliver, resubscribe, ping.
@Suite struct RedisSubscriptionTests {
    final class Seen: Sendable {
        let events = NIOLockedValueBox<[String]>([])
    }

    private func make(_ seen: Seen) throws -> (EmbeddedChannel, RedisSubscription) {
        let channel = EmbeddedChannel()
        let supervisor = ConnectionSupervisor(
            name: "test", endpoints: [BrokerEndpoint(host: "127.0.0.1", port: 6379)], security: .plaintext,
            eventLoop: channel.eventLoop, logger: Logger(label: "test"))
        let handlers = RedisSubscriber.Handlers(
            onMessage: { channel, payload in seen.events.withLockedValue { $0.append("\(channel)=\(payload)") } },
            onSubscribed: { seen.events.withLockedValue { $0.append("subscribed") } })
        let subscription = RedisSubscription(
            supervisor: supervisor, pattern: "events:*",
            handshake: RedisHandshake(username: nil, password: nil, database: 0, requireMaster: false), handlers: handlers,
            logger: Logger(label: "test"))
        return (channel, subscription)
    }

    private func open(_ channel: EmbeddedChannel, _ subscription: RedisSubscription) throws -> String {
        try subscription.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        subscription.connectionOpened(channel)
        channel.embeddedEventLoop.run()
        var buffer = try #require(try channel.readOutbound(as: ByteBuffer.self))
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    @Test func subscribesDeliversAndSubscribesAgainAfterALoss() throws {
        let seen = Seen()
        let (channel, subscription) = try make(seen)
        #expect(try open(channel, subscription) == "*1\r\n$4\r\nPING\r\n*2\r\n$10\r\nPSUBSCRIBE\r\n$8\r\nevents:*\r\n")
        try channel.writeInbound(channel.allocator.buffer(string: "+PONG\r\n*3\r\n$10\r\npsubscribe\r\n$8\r\nevents:*\r\n:1\r\n"))
        try channel.writeInbound(
            channel.allocator.buffer(string: "*4\r\n$8\r\npmessage\r\n$8\r\nevents:*\r\n$9\r\nevents:s1\r\n$2\r\nhi\r\n"))
        #expect(seen.events.withLockedValue { $0 } == ["subscribed", "events:s1=hi"])
        try channel.close().wait()
        subscription.connectionClosed()

        let again = EmbeddedChannel(loop: channel.embeddedEventLoop)
        #expect(try open(again, subscription).contains("PSUBSCRIBE"))
        try again.writeInbound(again.allocator.buffer(string: "+PONG\r\n*3\r\n$10\r\npsubscribe\r\n$8\r\nevents:*\r\n:1\r\n"))
        #expect(seen.events.withLockedValue { $0 } == ["subscribed", "events:s1=hi", "subscribed"])
    }

    @Test func aConnectionThatDoesNotAnswerPingIsClosed() throws {
        let seen = Seen()
        let (channel, subscription) = try make(seen)
        _ = try open(channel, subscription)
        try channel.writeInbound(channel.allocator.buffer(string: "+PONG\r\n*3\r\n$10\r\npsubscribe\r\n$8\r\nevents:*\r\n:1\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        channel.embeddedEventLoop.run()
        var ping = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(ping.readString(length: ping.readableBytes) == "*1\r\n$4\r\nPING\r\n")
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }
}
