import NIOCore
import Testing

@testable import TableOrderRabbitMQ

@Suite struct AMQPPublisherStateMachineTests {
    typealias Machine = AMQPPublisherStateMachine<Int>
    typealias Failure = AMQPPublisher.Failure
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func connected() -> Machine {
        var machine = Machine()
        let ready = machine.connectionReady()
        #expect(ready)
        return machine
    }

    /// Publishes callers `ids` with deadlines `t0 + 1 s`; returns their tags.
    @discardableResult
    static func publish(_ machine: inout Machine, _ ids: ClosedRange<Int>, deadline: NIODeadline = t0 + .seconds(1))
        -> [UInt64]
    {
        ids.map { id in
            guard case .write(let tag, _) = machine.publish(id, deadline: deadline) else {
                preconditionFailure("refused")
            }
            return tag
        }
    }

    static func outcomes(_ settlement: Machine.Settlement) -> [Int: Result<Void, Failure>] {
        Dictionary(uniqueKeysWithValues: settlement.completions.map { ($0.caller, $0.result) })
    }

    static func succeeded(_ settlement: Machine.Settlement) -> [Int] {
        settlement.completions.filter { if case .success = $0.result { true } else { false } }.map(\.caller).sorted()
    }

    static func failed(_ settlement: Machine.Settlement, _ failure: Failure) -> [Int] {
        settlement.completions.filter { if case .failure(let f) = $0.result { f == failure } else { false } }.map(
            \.caller
        ).sorted()
    }

    @Test func publishesWhileNotConnectedFailAtOnceWithTheReason() {
        var machine = Machine()
        guard case .fail(let failure) = machine.publish(1, deadline: Self.t0) else {
            Issue.record("accepted")
            return
        }
        #expect(failure == .notConnected("not yet connected"))
        _ = machine.connectionLost(reason: "127.0.0.1:5672: connection refused")
        guard case .fail(let again) = machine.publish(2, deadline: Self.t0) else {
            Issue.record("accepted")
            return
        }
        #expect(again == .notConnected("127.0.0.1:5672: connection refused"))
    }

    @Test func tagsCountFromOneAndTheTimerIsArmedForTheEarliestDeadlineOnly() {
        var machine = Self.connected()
        guard case .write(1, let first) = machine.publish(1, deadline: Self.t0 + .seconds(3)) else {
            Issue.record("no write")
            return
        }
        #expect(first == Self.t0 + .seconds(3))
        guard case .write(2, let later) = machine.publish(2, deadline: Self.t0 + .seconds(4)) else {
            Issue.record("no write")
            return
        }
        #expect(later == nil)
        guard case .write(3, let earlier) = machine.publish(3, deadline: Self.t0 + .seconds(1)) else {
            Issue.record("no write")
            return
        }
        #expect(earlier == Self.t0 + .seconds(1))
        #expect(machine.waitingCount == 3)
    }

    @Test func acksSettleTheirCallersOnlyOnce() {
        var machine = Self.connected()
        Self.publish(&machine, 1...6)
        #expect(Self.succeeded(machine.acked(tag: 3, multiple: true)) == [1, 2, 3])
        #expect(Self.succeeded(machine.acked(tag: 5, multiple: false)) == [5])  // overtakes 4
        #expect(Self.succeeded(machine.acked(tag: 5, multiple: false)) == [])
        #expect(Self.failed(machine.nacked(tag: 4, multiple: false), .nacked) == [4])
        #expect(Self.succeeded(machine.acked(tag: 6, multiple: true)) == [6])
        #expect(machine.waitingCount == 0)
        #expect(machine.acked(tag: 99, multiple: true).completions.isEmpty)  // never published
        #expect(Self.publish(&machine, 7...7) == [7])
    }

    @Test func aReturnedMessageFailsUnroutableOnItsAck() {
        var machine = Self.connected()
        Self.publish(&machine, 1...3)
        machine.returned(tag: 2)
        machine.returned(tag: 42)  // unknown: ignored
        let settlement = machine.acked(tag: 3, multiple: true)
        #expect(Self.succeeded(settlement) == [1, 3])
        #expect(Self.failed(settlement, .unroutable) == [2])
    }

    @Test func aLostConnectionFailsEveryWaitingCallerAndTagsStartOver() {
        var machine = Self.connected()
        Self.publish(&machine, 1...4)
        _ = machine.acked(tag: 1, multiple: false)
        let lost = machine.connectionLost(reason: "320 CONNECTION_FORCED")
        #expect(Self.failed(lost, .connectionLost) == [2, 3, 4])
        guard case .fail(let failure) = machine.publish(5, deadline: Self.t0) else {
            Issue.record("accepted")
            return
        }
        #expect(failure == .notConnected("320 CONNECTION_FORCED"))
        #expect(machine.acked(tag: 4, multiple: true).completions.isEmpty)  // a stale ack answers nobody
        let ready = machine.connectionReady()
        #expect(ready)
        #expect(Self.publish(&machine, 6...6) == [1])
    }

    @Test func aBlockedBrokerFailsWaitingAndNewPublishesAtOnce() {
        var machine = Self.connected()
        Self.publish(&machine, 1...2)
        let blocked = machine.blocked(reason: "low on memory")
        #expect(Self.failed(blocked, .blocked("low on memory")) == [1, 2])
        guard case .fail(let failure) = machine.publish(3, deadline: Self.t0) else {
            Issue.record("accepted")
            return
        }
        #expect(failure == .blocked("low on memory"))
        // The broker takes the blocked messages later: their acks answer nobody, and tags go on.
        machine.unblocked()
        #expect(machine.acked(tag: 2, multiple: true).completions.isEmpty)
        #expect(Self.publish(&machine, 4...4) == [3])
        // A new connection is not blocked until the broker says so.
        _ = machine.blocked(reason: "low on disk")
        _ = machine.connectionLost(reason: "gone")
        #expect(machine.blockedReason == nil)
        let ready = machine.connectionReady()
        #expect(ready)
        #expect(Self.publish(&machine, 5...5) == [1])
    }

    @Test func deadlinesExpireCallersWithOneTimer() {
        var machine = Self.connected()
        _ = machine.publish(1, deadline: Self.t0 + .seconds(1))
        _ = machine.publish(2, deadline: Self.t0 + .seconds(3))
        _ = machine.publish(3, deadline: Self.t0 + .seconds(2))
        var fired = machine.timerFired(now: Self.t0 + .seconds(1))
        #expect(Self.failed(fired, .timedOut) == [1])
        #expect(fired.armTimer == Self.t0 + .seconds(2))
        fired = machine.timerFired(now: Self.t0 + .milliseconds(2500))
        #expect(Self.failed(fired, .timedOut) == [3])
        #expect(fired.armTimer == Self.t0 + .seconds(3))
        // The broker's late acks answer nobody twice.
        #expect(Self.succeeded(machine.acked(tag: 3, multiple: false)) == [])
        fired = machine.timerFired(now: Self.t0 + .seconds(2))  // early: nothing expires
        #expect(fired.completions.isEmpty && fired.armTimer == Self.t0 + .seconds(3))
        #expect(Self.succeeded(machine.acked(tag: 2, multiple: false)) == [2])
        #expect(machine.timerFired(now: Self.t0 + .seconds(9)).armTimer == nil)
        // With nothing armed, the next publish arms again.
        guard case .write(_, let arm) = machine.publish(4, deadline: Self.t0 + .seconds(20)) else {
            Issue.record("no write")
            return
        }
        #expect(arm == Self.t0 + .seconds(20))
    }

    @Test func shutdownWaitsForTheCallersInFlight() {
        var machine = Self.connected()
        Self.publish(&machine, 1...2)
        #expect(machine.shutdown() == .wait)
        guard case .fail(let failure) = machine.publish(3, deadline: Self.t0) else {
            Issue.record("accepted")
            return
        }
        #expect(failure == .stopped)
        let first = machine.acked(tag: 1, multiple: false)
        #expect(Self.succeeded(first) == [1] && !first.stop)
        let last = machine.acked(tag: 2, multiple: false)
        #expect(Self.succeeded(last) == [2] && last.stop)
        #expect(machine.isStopped)
        let again = machine.connectionReady()
        #expect(!again)
    }

    @Test func shutdownEndsAtTheLastDeadlineOrLostConnection() {
        var expiring = Self.connected()
        Self.publish(&expiring, 1...1)
        #expect(expiring.shutdown() == .wait)
        let fired = expiring.timerFired(now: Self.t0 + .seconds(5))
        #expect(Self.failed(fired, .timedOut) == [1] && fired.stop)

        var lost = Self.connected()
        Self.publish(&lost, 1...2)
        #expect(lost.shutdown() == .wait)
        let settlement = lost.connectionLost(reason: "gone")
        #expect(Self.failed(settlement, .connectionLost) == [1, 2] && settlement.stop)

        var idle = Self.connected()
        #expect(idle.shutdown() == .stop)
        var disconnected = Machine()
        #expect(disconnected.shutdown() == .stop)
        #expect(disconnected.shutdown() == .stop)
    }

    @Test func anUnencodablePublishIsTakenBack() {
        var machine = Self.connected()
        Self.publish(&machine, 1...1)
        guard case .write(let tag, _) = machine.publish(2, deadline: Self.t0) else {
            Issue.record("no write")
            return
        }
        machine.unpublish(tag: tag)
        #expect(machine.waitingCount == 1)
        #expect(Self.publish(&machine, 3...3) == [2])
    }
}
