import Testing
@testable import TableOrderRedis

/// The command connection's rules, event by event, without a server.
@Suite struct RedisConnectionStateMachineTests {
    typealias Machine = RedisConnectionStateMachine<Int>

    private static let plain = RedisHandshake(username: nil, password: nil, database: 0, requireMaster: false)
    private static let full = RedisHandshake(username: "app", password: "secret", database: 3, requireMaster: true)
    private static let get: [[UInt8]] = [Array("GET".utf8), Array("k".utf8)]
    private static let master = RESPValue.array([.bulk(Array("master".utf8)), .integer(0), .array([])])

    private func ready(_ handshake: RedisHandshake = plain) -> Machine {
        var machine = Machine(handshake: handshake)
        _ = machine.connectionOpened()
        for step in handshake.steps { _ = machine.replyReceived(step == .role ? Self.master : .status("OK")) }
        return machine
    }

    @Test func withNothingToSayTheConnectionPingsBeforeItIsReady() {
        var machine = Machine(handshake: Self.plain)
        guard case .writeHandshake([[Array("PING".utf8)]]) = machine.connectionOpened() else { Issue.record("no PING"); return }
        #expect(!machine.isReady)
        guard case .sessionReady(let queued) = machine.replyReceived(.status("PONG")) else { Issue.record("not ready"); return }
        #expect(queued.isEmpty)
        #expect(machine.isReady)
    }

    @Test func aServerThatWantsAPasswordWeLackIsNotReady() {
        var machine = Machine(handshake: Self.plain)
        _ = machine.connectionOpened()
        guard case .close("PING failed: NOAUTH Authentication required.") = machine.replyReceived(.error("NOAUTH Authentication required."))
        else { Issue.record("not closed"); return }
    }

    @Test func theHandshakeAuthenticatesSelectsAndChecksTheRole() {
        var machine = Machine(handshake: Self.full)
        guard case .writeHandshake(let commands) = machine.connectionOpened() else { Issue.record("no handshake"); return }
        #expect(commands == [
            [Array("AUTH".utf8), Array("app".utf8), Array("secret".utf8)],
            [Array("SELECT".utf8), Array("3".utf8)],
            [Array("ROLE".utf8)],
        ])
        // Commands issued meanwhile wait behind the handshake.
        guard case .none = machine.send(Self.get, 1) else { Issue.record("sent early"); return }
        guard case .none = machine.replyReceived(.status("OK")) else { Issue.record(); return }
        guard case .none = machine.replyReceived(.status("OK")) else { Issue.record(); return }
        guard case .sessionReady(let queued) = machine.replyReceived(Self.master) else { Issue.record(); return }
        #expect(queued == [Self.get])
        guard case .succeed(1, .bulk([1])) = machine.replyReceived(.bulk([1])) else { Issue.record(); return }
    }

    @Test func aRefusedAuthClosesAndFailsWhatWaited() {
        var machine = Machine(handshake: Self.full)
        _ = machine.connectionOpened()
        _ = machine.send(Self.get, 7)
        guard case .close(let reason) = machine.replyReceived(.error("WRONGPASS invalid password")) else {
            Issue.record("not closed"); return
        }
        #expect(reason.contains("AUTH failed: WRONGPASS"))
        // The handshake's other replies may still arrive; they answer nobody.
        guard case .none = machine.replyReceived(.error("NOAUTH")) else { Issue.record(); return }
        // New commands fail at once while it closes.
        guard case .fail(8, .unavailable) = machine.send(Self.get, 8) else { Issue.record(); return }
        guard case .failAll([7], .connectionLost(let why)) = machine.connectionClosed() else { Issue.record(); return }
        #expect(why == reason)
    }

    @Test func aReplicaIsRefusedBehindSentinel() {
        var machine = Machine(handshake: RedisHandshake(username: nil, password: nil, database: 0, requireMaster: true))
        _ = machine.connectionOpened()
        let reply = RESPValue.array([.bulk(Array("slave".utf8)), .bulk(Array("10.0.0.1".utf8)), .integer(6379)])
        guard case .close(let reason) = machine.replyReceived(reply) else { Issue.record("not closed"); return }
        #expect(reason.contains("not the primary"))
        #expect(!machine.isReady)
    }

    @Test func repliesAnswerCommandsInOrder() {
        var machine = ready()
        for id in 1...3 {
            guard case .write(Self.get) = machine.send(Self.get, id) else { Issue.record(); return }
        }
        for id in 1...3 {
            guard case .succeed(let request, .integer(let value)) = machine.replyReceived(.integer(Int64(id * 10))) else {
                Issue.record(); return
            }
            #expect(request == id && value == Int64(id * 10))
        }
    }

    @Test func anErrorReplyIsAnAnswerNotAFailure() {
        var machine = ready()
        _ = machine.send(Self.get, 1)
        guard case .succeed(1, .error("WRONGTYPE x")) = machine.replyReceived(.error("WRONGTYPE x")) else { Issue.record(); return }
        #expect(machine.isReady)
    }

    @Test func commandsWithoutAConnectionFailAtOnce() {
        var machine = Machine(handshake: Self.plain)
        guard case .fail(1, .unavailable) = machine.send(Self.get, 1) else { Issue.record(); return }
    }

    @Test func aLostConnectionFailsEveryPendingCommandThenNewOnesFailFast() {
        var machine = ready()
        _ = machine.send(Self.get, 1)
        _ = machine.send(Self.get, 2)
        guard case .failAll([1, 2], .connectionLost(let reason)) = machine.connectionClosed() else { Issue.record(); return }
        #expect(reason == "the server closed the connection")
        guard case .fail(3, .unavailable) = machine.send(Self.get, 3) else { Issue.record(); return }
        // The supervisor reconnects: the same machine starts over.
        guard case .writeHandshake = machine.connectionOpened() else { Issue.record(); return }
        guard case .sessionReady = machine.replyReceived(.status("PONG")) else { Issue.record(); return }
        guard case .write = machine.send(Self.get, 4) else { Issue.record(); return }
    }

    @Test func aClosedConnectionWithNothingPendingFailsNothing() {
        var machine = ready()
        guard case .none = machine.connectionClosed() else { Issue.record(); return }
    }

    @Test func readOnlyIsAnsweredAndClosesTheConnection() {
        var machine = ready()
        _ = machine.send(Self.get, 1)
        _ = machine.send(Self.get, 2)
        _ = machine.send(Self.get, 3)
        let readOnly = RESPValue.error("READONLY You can't write against a read only replica.")
        guard case .succeedAndClose(1, readOnly, let reason) = machine.replyReceived(readOnly) else { Issue.record(); return }
        #expect(reason.contains("read-only"))
        // A reply already on its way still answers its command; the rest fail when the channel has closed.
        guard case .succeed(2, .integer(5)) = machine.replyReceived(.integer(5)) else { Issue.record(); return }
        guard case .fail(4, .unavailable) = machine.send(Self.get, 4) else { Issue.record(); return }
        guard case .failAll([3], .connectionLost(reason)) = machine.connectionClosed() else { Issue.record(); return }
    }

    @Test func aReplyNobodyAskedForClosesTheConnection() {
        var machine = ready()
        guard case .close(let reason) = machine.replyReceived(.status("OK")) else { Issue.record(); return }
        #expect(reason.contains("no command"))
    }

    @Test func aChannelErrorClosesAndFailsWithItsReason() {
        var machine = ready()
        _ = machine.send(Self.get, 1)
        guard case .close("redis protocol error: x") = machine.failed("redis protocol error: x") else { Issue.record(); return }
        guard case .none = machine.failed("again") else { Issue.record(); return }
        guard case .failAll([1], .connectionLost("redis protocol error: x")) = machine.connectionClosed() else { Issue.record(); return }
    }

    @Test func aConnectionThatStopsAnsweringIsClosedAfterTheStallLimit() {
        var machine = ready()
        // Idle: ticks never close.
        for _ in 0..<5 { guard case .none = machine.tick() else { Issue.record(); return } }
        _ = machine.send(Self.get, 1)
        guard case .none = machine.tick() else { Issue.record(); return }
        guard case .none = machine.tick() else { Issue.record(); return }
        guard case .close(let reason) = machine.tick() else { Issue.record("not closed"); return }
        #expect(reason.contains("no reply"))
        guard case .failAll([1], .connectionLost) = machine.connectionClosed() else { Issue.record(); return }
    }

    @Test func repliesBetweenTicksKeepABusyConnectionOpen() {
        var machine = ready()
        for id in 0..<10 {
            _ = machine.send(Self.get, id)
            _ = machine.send(Self.get, id + 100)
            _ = machine.replyReceived(.null)
            guard case .none = machine.tick() else { Issue.record("closed a busy connection"); return }
            _ = machine.replyReceived(.null)
        }
    }

    @Test func aHandshakeThatNeverAnswersIsClosed() {
        var machine = Machine(handshake: Self.full, stallLimit: 2)
        _ = machine.connectionOpened()
        guard case .none = machine.tick() else { Issue.record(); return }
        guard case .close = machine.tick() else { Issue.record("not closed"); return }
    }

    @Test func shutdownFailsPendingAndQueuedAndEveryLaterCommand() {
        var machine = ready()
        _ = machine.send(Self.get, 1)
        guard case .failAll([1], .stopped) = machine.shutdown() else { Issue.record(); return }
        guard case .fail(2, .stopped) = machine.send(Self.get, 2) else { Issue.record(); return }
        // The late reply and the close answer nobody: the commands have already failed.
        guard case .none = machine.replyReceived(.null) else { Issue.record(); return }
        guard case .none = machine.connectionClosed() else { Issue.record(); return }
        guard case .none = machine.connectionOpened() else { Issue.record(); return }
    }

    @Test func shutdownDuringTheHandshakeFailsTheQueuedCommands() {
        var machine = Machine(handshake: Self.full)
        _ = machine.connectionOpened()
        _ = machine.send(Self.get, 1)
        guard case .failAll([1], .stopped) = machine.shutdown() else { Issue.record(); return }
    }

    @Test func shutdownWhileClosingFailsTheRestWithStopped() {
        var machine = ready()
        _ = machine.send(Self.get, 1)
        _ = machine.failed("gone")
        guard case .failAll([1], .stopped) = machine.shutdown() else { Issue.record(); return }
        guard case .none = machine.connectionClosed() else { Issue.record(); return }
    }

    @Test func shutdownWithoutAConnectionFailsNothing() {
        var machine = Machine(handshake: Self.plain)
        guard case .none = machine.shutdown() else { Issue.record(); return }
    }

    @Test func theServerClosingDuringTheHandshakeFailsWhatWaited() {
        var machine = Machine(handshake: Self.full)
        _ = machine.connectionOpened()
        _ = machine.send(Self.get, 1)
        guard case .failAll([1], .connectionLost(let reason)) = machine.connectionClosed() else { Issue.record(); return }
        #expect(reason.contains("handshake"))
    }
}
