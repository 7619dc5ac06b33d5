import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TableOrderConnections
import TableOrderCore
import Testing
@testable import TableOrderRedis

/// The command connection's glue on an embedded channel: bytes out, replies in, callers answered.
/// The supervisor is never started; the test plays its part (open, close).
@Suite struct RedisConnectionTests {
    private struct Harness {
        let channel: EmbeddedChannel
        let supervisor: ConnectionSupervisor
        let connection: RedisConnection
        let handshake: RedisHandshake

        init(handshake: RedisHandshake = RedisHandshake(username: nil, password: nil, database: 0, requireMaster: false)) throws {
            self.handshake = handshake
            channel = EmbeddedChannel()
            supervisor = ConnectionSupervisor(
                name: "test", endpoints: [BrokerEndpoint(host: "127.0.0.1", port: 6379)], security: .plaintext,
                eventLoop: channel.eventLoop, logger: Logger(label: "test"))
            connection = RedisConnection(name: "test", supervisor: supervisor, handshake: handshake, logger: Logger(label: "test"))
            try connection.configure(channel)
        }

        /// Opens the channel and, for the plain handshake, answers its `PING`.
        func open() throws {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
            connection.connectionOpened(channel)
            if handshake.steps == [.ping] {
                #expect(try written() == "*1\r\n$4\r\nPING\r\n")
                try reply("+PONG\r\n")
            }
        }

        /// What the connection wrote once the loop turned.
        func written() throws -> String {
            channel.embeddedEventLoop.run()
            var text = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                text += buffer.readString(length: buffer.readableBytes) ?? ""
            }
            return text
        }

        func reply(_ wire: String) throws {
            try channel.writeInbound(channel.allocator.buffer(string: wire))
        }

        /// The supervisor's part when the channel has closed.
        func closed() {
            connection.connectionClosed()
        }

        func send(_ commands: [[String]]) -> Outcomes {
            let outcomes = Outcomes()
            let batch = RedisBatch(count: commands.count) { results in outcomes.results.withLockedValue { $0 = results } }
            connection.send(commands.map { $0.map { Array($0.utf8) } }, batch)
            return outcomes
        }
    }

    final class Outcomes: Sendable {
        let results = NIOLockedValueBox<[Result<RESPValue, any Error>]?>(nil)

        var values: [RESPValue?]? { results.withLockedValue { $0?.map { try? $0.get() } } }
        var errors: [String?]? {
            results.withLockedValue { $0?.map { if case .failure(let e) = $0 { "\(e)" } else { nil } } }
        }
    }

    @Test func commandsIssuedDuringTheHandshakeGoOutRightAfterIt() throws {
        let h = try Harness(handshake: RedisHandshake(username: nil, password: "pw", database: 2, requireMaster: false))
        try h.open()
        let outcomes = h.send([["GET", "k"]])
        #expect(try h.written() == "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n")
        try h.reply("+OK\r\n+OK\r\n")
        #expect(try h.written() == "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        #expect(outcomes.values == nil)
        try h.reply("$1\r\nv\r\n")
        #expect(outcomes.values == [.bulk(Array("v".utf8))])
    }

    @Test func commandsDuringThePingWaitForItsAnswer() throws {
        let h = try Harness()
        try h.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        h.connection.connectionOpened(h.channel)
        let outcomes = h.send([["GET", "k"]])
        #expect(try h.written() == "*1\r\n$4\r\nPING\r\n")
        #expect(!h.supervisor.isReady)  // the supervisor was never started; it ignores sessionReady
        try h.reply("+PONG\r\n")
        #expect(try h.written() == "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        try h.reply("$-1\r\n")
        #expect(outcomes.values == [.null])
    }

    @Test func aBurstGoesOutInOneWriteAndIsAnsweredInOrder() throws {
        let h = try Harness()
        try h.open()
        let outcomes = h.send((0..<200).map { ["INCR", "k\($0)"] })
        h.channel.embeddedEventLoop.run()
        var writes = 0
        while try h.channel.readOutbound(as: ByteBuffer.self) != nil { writes += 1 }
        #expect(writes == 1)
        try h.reply((1...200).map { ":\($0)\r\n" }.joined())
        #expect(outcomes.values == (1...200).map { .integer(Int64($0)) })
    }

    @Test func withoutAConnectionCommandsFailAtOnceSayingWhy() throws {
        let h = try Harness()
        h.supervisor.record("127.0.0.1:6379: connection refused")
        let outcomes = h.send([["GET", "k"]])
        #expect(outcomes.errors == ["redis unavailable: 127.0.0.1:6379: connection refused"])
    }

    @Test func readOnlyAnswersItsCallerAndClosesSoTheSupervisorReconnects() throws {
        let h = try Harness()
        try h.open()
        let first = h.send([["SET", "k", "v"]])
        let second = h.send([["SET", "k2", "v"]])
        _ = try h.written()
        let third = h.send([["SET", "k3", "v"]])
        _ = try h.written()
        // The second reply comes in the same read as the READONLY: it still answers its command.
        try h.reply("-READONLY You can't write against a read only replica.\r\n-READONLY again\r\n")
        #expect(first.values == [.error("READONLY You can't write against a read only replica.")])
        #expect(second.values == [.error("READONLY again")])
        h.channel.embeddedEventLoop.run()
        #expect(!h.channel.isActive)
        h.closed()
        #expect(third.errors?.first??.hasPrefix("redis connection lost: the server is read-only") == true)
        #expect(h.supervisor.lastError.contains("read-only"))
        // Reconnected: the same connection works again.
        let (channel, connection) = (EmbeddedChannel(loop: h.channel.embeddedEventLoop), h.connection)
        try connection.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        connection.connectionOpened(channel)
        let fourth = h.send([["GET", "k"]])
        try channel.writeInbound(channel.allocator.buffer(string: "+PONG\r\n$-1\r\n"))
        #expect(fourth.values == [.null])
    }

    @Test func aLostConnectionFailsWhatWaited() throws {
        let h = try Harness()
        try h.open()
        let outcomes = h.send([["GET", "a"], ["GET", "b"]])
        try h.reply("$1\r\na\r\n")
        try h.channel.close().wait()
        h.closed()
        #expect(outcomes.values?.first == .bulk(Array("a".utf8)))
        #expect(outcomes.errors?.last == "redis connection lost: the server closed the connection")
        #expect(h.supervisor.lastError == "the server closed the connection")
    }

    @Test func garbageFromTheServerClosesTheConnection() throws {
        let h = try Harness()
        try h.open()
        let outcomes = h.send([["GET", "a"]])
        try h.reply("!nonsense\r\n")  // the handler takes the error and closes
        #expect(!h.channel.isActive)
        h.closed()
        #expect(outcomes.errors?.first??.contains("redis protocol error") == true)
    }

    @Test func aServerThatStopsAnsweringIsDropped() throws {
        let h = try Harness()
        try h.open()
        let outcomes = h.send([["GET", "a"]])
        _ = try h.written()
        // Checks every second; the first one still sees the PONG, the next three see nothing.
        h.channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(h.channel.isActive)
        h.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!h.channel.isActive)
        h.closed()
        #expect(outcomes.errors?.first??.contains("no reply") == true)
    }

    @Test func shutdownFailsWhatWaitsAndEverythingAfter() throws {
        let h = try Harness()
        try h.open()
        let pending = h.send([["GET", "a"]])
        let stopped = h.connection.shutdown()
        h.channel.embeddedEventLoop.run()
        try stopped.wait()
        #expect(pending.errors == ["redis client stopped"])
        #expect(h.send([["GET", "b"]]).errors == ["redis client stopped"])
    }
}
