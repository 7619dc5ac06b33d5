import Testing
@testable import TableOrderRedis

/// The subscription's rules, event by event, without a server.
@Suite struct RedisSubscriptionStateMachineTests {
    typealias Machine = RedisSubscriptionStateMachine

    private static let plain = RedisHandshake(username: nil, password: nil, database: 0, requireMaster: false)
    private static let psubscribe: [[UInt8]] = [Array("PSUBSCRIBE".utf8), Array("events:*".utf8)]
    private static let confirmation = RESPValue.array([.bulk(Array("psubscribe".utf8)), .bulk(Array("events:*".utf8)), .integer(1)])
    private static let ping: [[[UInt8]]] = [[Array("PING".utf8)]]
    private static let pong = RESPValue.status("PONG")

    private static func message(_ channel: String, _ payload: String) -> RESPValue {
        .array([.bulk(Array("pmessage".utf8)), .bulk(Array("events:*".utf8)), .bulk(Array(channel.utf8)), .bulk(Array(payload.utf8))])
    }

    private func subscribed() -> Machine {
        var machine = Machine(pattern: "events:*", handshake: Self.plain)
        _ = machine.connectionOpened()
        _ = machine.replyReceived(Self.pong)
        _ = machine.replyReceived(Self.confirmation)
        return machine
    }

    @Test func subscribesOnEveryConnectionAndSaysSoEachTime() {
        var machine = Machine(pattern: "events:*", handshake: Self.plain)
        for _ in 0..<3 {
            #expect(machine.connectionOpened() == .write(Self.ping + [Self.psubscribe]))
            #expect(!machine.isSubscribed)
            #expect(machine.replyReceived(Self.pong) == .none)
            #expect(machine.replyReceived(Self.confirmation) == .subscribed)
            #expect(machine.isSubscribed)
            #expect(machine.connectionClosed() == .unsubscribed(lost: true))
        }
    }

    @Test func theHandshakeGoesFirstInTheSameWrite() {
        let handshake = RedisHandshake(username: nil, password: "pw", database: 1, requireMaster: true)
        var machine = Machine(pattern: "events:*", handshake: handshake)
        #expect(machine.connectionOpened() == .write(handshake.commands + [Self.psubscribe]))
        #expect(machine.replyReceived(.status("OK")) == .none)
        #expect(machine.replyReceived(.status("OK")) == .none)
        #expect(machine.replyReceived(.array([.bulk(Array("master".utf8))])) == .none)
        #expect(machine.replyReceived(Self.confirmation) == .subscribed)
    }

    @Test func aFailedHandshakeClosesWithoutSubscribing() {
        var machine = Machine(pattern: "events:*", handshake: RedisHandshake(username: nil, password: "pw", database: 0, requireMaster: false))
        _ = machine.connectionOpened()
        #expect(machine.replyReceived(.error("WRONGPASS no")) == .close(reason: "AUTH failed: WRONGPASS no"))
        // The PSUBSCRIBE's own reply (refused without AUTH) changes nothing.
        #expect(machine.replyReceived(.error("NOAUTH")) == .none)
        #expect(machine.connectionClosed() == .none)
    }

    @Test func aRefusedSubscribeCloses() {
        var machine = Machine(pattern: "events:*", handshake: Self.plain)
        _ = machine.connectionOpened()
        _ = machine.replyReceived(Self.pong)
        #expect(machine.replyReceived(.error("NOPERM no")) == .close(reason: "PSUBSCRIBE failed: NOPERM no"))
    }

    @Test func messagesAreDeliveredWithTheirChannel() {
        var machine = subscribed()
        #expect(machine.replyReceived(Self.message("events:s1", "hello")) == .deliver(channel: "events:s1", payload: "hello"))
        #expect(machine.replyReceived(.array([.bulk(Array("something".utf8))])) == .none)
    }

    @Test func anIdleSubscriptionPingsAndDropsAConnectionThatDoesNotAnswer() {
        var machine = subscribed()
        #expect(machine.tick() == .write(Self.ping))
        #expect(machine.replyReceived(.array([.bulk(Array("pong".utf8)), .bulk([])])) == .none)
        #expect(machine.tick() == .write(Self.ping))
        #expect(machine.tick() == .close(reason: "no answer to PING"))
        #expect(machine.connectionClosed() == .unsubscribed(lost: true))
    }

    @Test func aMessageCountsAsAnAnswer() {
        var machine = subscribed()
        #expect(machine.tick() == .write(Self.ping))
        _ = machine.replyReceived(Self.message("events:s1", "x"))
        #expect(machine.tick() == .write(Self.ping))
    }

    @Test func aSubscribeThatNeverAnswersIsClosed() {
        var machine = Machine(pattern: "events:*", handshake: Self.plain)
        _ = machine.connectionOpened()
        #expect(machine.tick() == .none)
        #expect(machine.tick() == .close(reason: "no reply from redis while subscribing"))
        #expect(machine.connectionClosed() == .none)
    }

    @Test func aChannelErrorWhileSubscribedClosesAndReportsTheLoss() {
        var machine = subscribed()
        #expect(machine.failed("reset") == .close(reason: "reset"))
        #expect(machine.failed("again") == .none)
        #expect(machine.replyReceived(Self.message("events:s1", "late")) == .none)
        #expect(machine.connectionClosed() == .unsubscribed(lost: true))
    }

    @Test func shutdownEndsTheSubscriptionForGood() {
        var machine = subscribed()
        #expect(machine.shutdown() == .unsubscribed(lost: false))
        #expect(machine.replyReceived(Self.message("events:s1", "late")) == .none)
        #expect(machine.tick() == .none)
        #expect(machine.connectionClosed() == .none)
        #expect(machine.connectionOpened() == .none)
        var idle = Machine(pattern: "events:*", handshake: Self.plain)
        #expect(idle.shutdown() == .none)
    }
}
