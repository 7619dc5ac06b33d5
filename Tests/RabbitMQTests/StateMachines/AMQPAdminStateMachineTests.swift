import NIOCore
import Testing

@testable import TableOrderRabbitMQ

@Suite struct AMQPAdminStateMachineTests {
    typealias Machine = AMQPAdminStateMachine<Int>
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let purge = AMQPMethod.queuePurge(queue: "q")
    static let get = AMQPMethod.basicGet(queue: "q", noAck: true)

    static func reply(_ completion: Machine.Completion?) -> (Int, AMQPAdminReply)? {
        guard let completion, case .success(let reply) = completion.result else { return nil }
        return (completion.caller, reply)
    }

    @Test func callsWaitForTheConnectionThenArePipelinedAndAnsweredInOrder() throws {
        var machine = Machine()
        guard case .wait(let arm) = machine.call(Self.purge, caller: 1, deadline: Self.t0 + .seconds(5)) else {
            Issue.record("sent")
            return
        }
        #expect(arm == Self.t0 + .seconds(5))
        _ = machine.call(Self.get, caller: 2, deadline: Self.t0 + .seconds(6))
        #expect(machine.connectionReady() == [Self.purge, Self.get])
        guard case .send(let method, nil) = machine.call(Self.get, caller: 3, deadline: Self.t0 + .seconds(7)) else {
            Issue.record("not sent")
            return
        }
        #expect(method == Self.get)

        let purged = try machine.received(.method(channel: 1, .queuePurgeOK(messageCount: 4))).get()
        #expect(Self.reply(purged)?.0 == 1 && Self.reply(purged)?.1 == .method(.queuePurgeOK(messageCount: 4)))
        #expect(
            try machine.received(
                .method(
                    channel: 1,
                    .basicGetOK(deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q", messageCount: 0))
            ).get() == nil)
        #expect(
            try machine.received(.header(channel: 1, AMQPContentHeader(bodySize: 2, properties: AMQPProperties())))
                .get() == nil)
        let got = try machine.received(.body(channel: 1, ByteBuffer(bytes: [7, 8]))).get()
        #expect(Self.reply(got)?.0 == 2 && Self.reply(got)?.1 == .message([7, 8]))
        let empty = try machine.received(.method(channel: 1, .basicGetEmpty)).get()
        #expect(Self.reply(empty)?.0 == 3 && Self.reply(empty)?.1 == .message(nil))
        #expect(throws: AMQPAdminError.self) { try machine.received(.method(channel: 1, .queueBindOK)).get() }
    }

    @Test func aLostConnectionFailsTheCallsSentOnIt() {
        var machine = Machine()
        _ = machine.connectionReady()
        _ = machine.call(Self.purge, caller: 1, deadline: Self.t0 + .seconds(5))
        let failed = machine.connectionLost(reason: "channel closed by the broker: 404 NOT_FOUND - no queue 'q'")
        #expect(failed.map(\.caller) == [1])
        #expect(
            failed.first.map { "\($0.result)" }?.contains("queue.purge: channel closed by the broker: 404 NOT_FOUND")
                == true)
        // The next call waits for the reconnection.
        guard case .wait = machine.call(Self.purge, caller: 2, deadline: Self.t0 + .seconds(5)) else {
            Issue.record("sent")
            return
        }
        #expect(machine.connectionReady() == [Self.purge])
    }

    @Test func deadlinesFailCallsAndShutdownFailsTheUnsent() {
        var machine = Machine()
        _ = machine.call(Self.purge, caller: 1, deadline: Self.t0 + .seconds(1))
        _ = machine.call(Self.purge, caller: 2, deadline: Self.t0 + .seconds(3))
        let (expired, next) = machine.timerFired(now: Self.t0 + .seconds(2))
        #expect(expired.map(\.caller) == [1] && next == Self.t0 + .seconds(3))
        #expect(machine.shutdown().map(\.caller) == [2])
        guard case .fail = machine.call(Self.purge, caller: 3, deadline: Self.t0) else {
            Issue.record("accepted")
            return
        }
    }

    @Test func aSentCallThatTimesOutKeepsItsPlaceForTheLateAnswer() throws {
        var machine = Machine()
        _ = machine.connectionReady()
        _ = machine.call(Self.purge, caller: 1, deadline: Self.t0 + .seconds(1))
        _ = machine.call(Self.purge, caller: 2, deadline: Self.t0 + .seconds(9))
        #expect(machine.timerFired(now: Self.t0 + .seconds(1)).completions.map(\.caller) == [1])
        #expect(try machine.received(.method(channel: 1, .queuePurgeOK(messageCount: 0))).get() == nil)
        #expect(Self.reply(try machine.received(.method(channel: 1, .queuePurgeOK(messageCount: 1))).get())?.0 == 2)
    }
}
