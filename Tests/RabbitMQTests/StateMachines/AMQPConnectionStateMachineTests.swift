import Testing

@testable import TableOrderRabbitMQ

@Suite struct AMQPConnectionStateMachineTests {
    typealias Machine = AMQPConnectionStateMachine
    static let configuration = Machine.Configuration(
        user: "user", password: "pass", virtualHost: "/orders", heartbeat: 10, connectionName: "test")
    static let setup: [AMQPMethod] = [
        .confirmSelect,
        .queueDeclare(queue: "q", durable: true, exclusive: false, autoDelete: false, arguments: [:]),
    ]

    static func method(_ method: AMQPMethod, channel: UInt16 = 0) -> AMQPFrame { .method(channel: channel, method) }
    static let start = method(
        .connectionStart(
            versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "AMQPLAIN PLAIN", locales: "en_US"))
    static let tune = method(.connectionTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60))

    /// A machine that went through the handshake and its setup.
    static func ready(setup: [AMQPMethod] = setup) -> Machine {
        var machine = Machine(configuration: configuration, setup: setup)
        _ = machine.connected()
        _ = machine.received(start)
        _ = machine.received(tune)
        _ = machine.received(method(.connectionOpenOK))
        _ = machine.received(method(.channelOpenOK, channel: 1))
        _ = machine.received(method(.confirmSelectOK, channel: 1))
        _ = machine.received(method(.queueDeclareOK(queue: "q", messageCount: 0, consumerCount: 0), channel: 1))
        precondition(machine.isReady || !setup.isEmpty)
        return machine
    }

    @Test func handshakeAndSetupInOrder() {
        var machine = Machine(configuration: Self.configuration, setup: Self.setup)
        #expect(machine.connected() == .sendProtocolHeader)
        #expect(machine.connected() == .none)
        guard
            case .send(.connectionStartOK(let properties, let mechanism, let response, _), channel: 0) =
                machine.received(Self.start)
        else {
            Issue.record("no start-ok")
            return
        }
        #expect(mechanism == "PLAIN")
        #expect(response == [0] + Array("user".utf8) + [0] + Array("pass".utf8))
        guard case .table(let capabilities) = properties["capabilities"] else {
            Issue.record("no capabilities")
            return
        }
        for capability in [
            "publisher_confirms", "consumer_cancel_notify", "connection.blocked", "basic.nack",
            "authentication_failure_close",
        ] {
            #expect(capabilities[capability] == .bool(true), "\(capability)")
        }
        #expect(properties["connection_name"] == .string("test"))

        let tuning = Machine.Tuning(channelMax: 2047, frameMax: 131_072, heartbeat: 10)
        #expect(
            machine.received(Self.tune)
                == .tune(
                    tuning, tuneOK: .connectionTuneOK(channelMax: 2047, frameMax: 131_072, heartbeat: 10),
                    open: .connectionOpen(virtualHost: "/orders")))
        #expect(machine.tuning == tuning)
        #expect(machine.received(Self.method(.connectionOpenOK)) == .send(.channelOpen, channel: 1))
        #expect(machine.received(Self.method(.channelOpenOK, channel: 1)) == .sendSetup(Self.setup))
        #expect(machine.received(Self.method(.confirmSelectOK, channel: 1)) == .none)
        #expect(!machine.isReady)
        #expect(
            machine.received(Self.method(.queueDeclareOK(queue: "q", messageCount: 3, consumerCount: 0), channel: 1))
                == .ready)
        #expect(machine.isReady)
        let ack = Self.method(.basicAck(deliveryTag: 1, multiple: false), channel: 1)
        #expect(machine.received(ack) == .forward(ack))
        #expect(machine.received(.heartbeat) == .none)
    }

    @Test func withoutSetupTheChannelOpenIsReady() {
        var machine = Machine(configuration: Self.configuration, setup: [])
        _ = machine.connected()
        _ = machine.received(Self.start)
        _ = machine.received(Self.tune)
        _ = machine.received(Self.method(.connectionOpenOK))
        #expect(machine.received(Self.method(.channelOpenOK, channel: 1)) == .ready)
    }

    /// frame_max: the smaller, 0 meaning no limit; heartbeat: the smaller, ours 0 turning it off, the
    /// broker's 0 leaving ours.
    @Test(arguments: [
        (UInt32(0), UInt16(60), UInt16(10), UInt32(131_072), UInt16(10)),
        (4096, 60, 10, 4096, 10),
        (1_048_576, 5, 10, 131_072, 5),
        (131_072, 0, 10, 131_072, 10),
        (131_072, 60, 0, 131_072, 0),
    ])
    func tuneNegotiatesTheSmallerLimits(
        serverFrameMax: UInt32, serverHeartbeat: UInt16, ours: UInt16, frameMax: UInt32, heartbeat: UInt16
    ) {
        var configuration = Self.configuration
        configuration.heartbeat = ours
        var machine = Machine(configuration: configuration, setup: [])
        _ = machine.connected()
        _ = machine.received(Self.start)
        let action = machine.received(
            Self.method(.connectionTune(channelMax: 0, frameMax: serverFrameMax, heartbeat: serverHeartbeat)))
        guard case .tune(let tuning, _, _) = action else {
            Issue.record("no tune: \(action)")
            return
        }
        #expect(tuning == Machine.Tuning(channelMax: 2047, frameMax: frameMax, heartbeat: heartbeat))
    }

    @Test func refusedLoginClosesWithTheBrokersWords() {
        var machine = Machine(configuration: Self.configuration, setup: [])
        _ = machine.connected()
        _ = machine.received(Self.start)
        let refusal = Self.method(
            .connectionClose(replyCode: 403, replyText: "ACCESS_REFUSED - Login was refused", classID: 0, methodID: 0))
        let reason = "403 ACCESS_REFUSED - Login was refused"
        #expect(machine.received(refusal) == .answerAndClose(.connectionCloseOK, channel: 0, reason: reason))
        #expect(machine.received(Self.tune) == .none)
        #expect(machine.channelClosed() == reason)
    }

    @Test func aRefusedDeclarationClosesTheConnection() {
        var machine = Machine(configuration: Self.configuration, setup: Self.setup)
        _ = machine.connected()
        _ = machine.received(Self.start)
        _ = machine.received(Self.tune)
        _ = machine.received(Self.method(.connectionOpenOK))
        _ = machine.received(Self.method(.channelOpenOK, channel: 1))
        _ = machine.received(Self.method(.confirmSelectOK, channel: 1))
        let close = Self.method(
            .channelClose(
                replyCode: 406, replyText: "PRECONDITION_FAILED - inequivalent arg 'x-queue-type'", classID: 50,
                methodID: 10),
            channel: 1)
        let reason =
            "channel closed by the broker: 406 PRECONDITION_FAILED - inequivalent arg 'x-queue-type' (after queue.declare)"
        #expect(machine.received(close) == .answerAndClose(.channelCloseOK, channel: 1, reason: reason))
        #expect(machine.closeReason == reason)
        #expect(!machine.isReady)
    }

    @Test func aChannelCloseWhenReadyIsAnsweredAndEndsTheConnection() {
        var machine = Self.ready()
        let close = Self.method(
            .channelClose(replyCode: 404, replyText: "NOT_FOUND - no exchange 'x'", classID: 60, methodID: 40),
            channel: 1)
        #expect(
            machine.received(close)
                == .answerAndClose(
                    .channelCloseOK, channel: 1,
                    reason: "channel closed by the broker: 404 NOT_FOUND - no exchange 'x' (after basic.publish)"))
    }

    @Test func aServerCloseWhenReadyIsAnswered() {
        var machine = Self.ready()
        let close = Self.method(
            .connectionClose(replyCode: 320, replyText: "CONNECTION_FORCED - test", classID: 0, methodID: 0))
        #expect(
            machine.received(close)
                == .answerAndClose(.connectionCloseOK, channel: 0, reason: "320 CONNECTION_FORCED - test"))
        #expect(machine.received(Self.method(.basicAck(deliveryTag: 1, multiple: false), channel: 1)) == .none)
        #expect(machine.channelClosed() == "320 CONNECTION_FORCED - test")
    }

    @Test func protocolErrorsClose() {
        var wrongOrder = Machine(configuration: Self.configuration, setup: [])
        _ = wrongOrder.connected()
        #expect(
            wrongOrder.received(Self.tune)
                == .close(reason: "protocol error: expected connection.start, got connection.tune on channel 0"))

        var noPlain = Machine(configuration: Self.configuration, setup: [])
        _ = noPlain.connected()
        let amqplainOnly = Self.method(
            .connectionStart(
                versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "AMQPLAIN", locales: ""))
        #expect(
            noPlain.received(amqplainOnly)
                == .close(reason: "broker offers no PLAIN authentication (it offers AMQPLAIN)"))

        var oldVersion = Machine(configuration: Self.configuration, setup: [])
        _ = oldVersion.connected()
        let version8 = Self.method(
            .connectionStart(versionMajor: 8, versionMinor: 0, serverProperties: [:], mechanisms: "PLAIN", locales: ""))
        #expect(oldVersion.received(version8) == .close(reason: "broker speaks AMQP 8-0, not 0-9-1"))

        var setup = Machine(configuration: Self.configuration, setup: Self.setup)
        _ = setup.connected()
        _ = setup.received(Self.start)
        _ = setup.received(Self.tune)
        _ = setup.received(Self.method(.connectionOpenOK))
        _ = setup.received(Self.method(.channelOpenOK, channel: 1))
        let outOfOrder = setup.received(
            Self.method(.queueDeclareOK(queue: "q", messageCount: 0, consumerCount: 0), channel: 1))
        #expect(
            outOfOrder
                == .close(
                    reason: "protocol error: expected the answer to confirm.select, got queue.declare-ok on channel 1"))

        var ready = Self.ready()
        #expect(
            ready.received(Self.method(.basicAck(deliveryTag: 1, multiple: false), channel: 2))
                == .close(reason: "frame on channel 2, which was never opened"))

        var failed = Self.ready()
        #expect(failed.failed("frame too large") == .close(reason: "frame too large"))
        #expect(failed.failed("again") == .none)
        #expect(failed.channelClosed() == "frame too large")
    }

    @Test func flowControlIsReportedBothWays() {
        var machine = Self.ready()
        #expect(
            machine.received(Self.method(.connectionBlocked(reason: "low on memory")))
                == .blocked(reason: "low on memory"))
        #expect(machine.blockedReason == "low on memory")
        #expect(machine.received(Self.method(.connectionUnblocked)) == .unblocked)
        #expect(machine.blockedReason == nil)
    }

    /// Ticks every heartbeat/2: a heartbeat when we sent nothing; closed after 4 silent ticks (2×heartbeat).
    @Test func heartbeatsAreSentAndMissedOnesClose() {
        var machine = Self.ready()
        #expect(machine.heartbeatTick(received: true, sent: true) == .none)
        #expect(machine.heartbeatTick(received: true, sent: false) == .sendHeartbeat)
        #expect(machine.heartbeatTick(received: false, sent: true) == .none)
        #expect(machine.heartbeatTick(received: false, sent: true) == .none)
        #expect(machine.heartbeatTick(received: false, sent: true) == .none)
        #expect(machine.heartbeatTick(received: true, sent: true) == .none)  // heard from: counting starts over
        for _ in 0..<3 { #expect(machine.heartbeatTick(received: false, sent: false) == .sendHeartbeat) }
        #expect(
            machine.heartbeatTick(received: false, sent: false)
                == .close(reason: "no frame from the broker for 20 s (missed heartbeats)"))
        #expect(machine.heartbeatTick(received: false, sent: false) == .none)

        var off = Machine(
            configuration: Machine.Configuration(user: "u", password: "p", virtualHost: "/", heartbeat: 0), setup: [])
        _ = off.connected()
        _ = off.received(Self.start)
        _ = off.received(Self.tune)
        #expect(off.heartbeatTick(received: false, sent: false) == .none)
    }

    @Test func handshakeTimeout() {
        var stuck = Machine(configuration: Self.configuration, setup: Self.setup)
        _ = stuck.connected()
        _ = stuck.received(Self.start)
        #expect(
            stuck.handshakeTimedOut()
                == .close(reason: "the broker did not complete the handshake in time (at connection.tune)"))
        var ready = Self.ready()
        #expect(ready.handshakeTimedOut() == .none)
    }

    @Test func clientCloseIsPoliteOnceOpen() {
        var early = Machine(configuration: Self.configuration, setup: [])
        _ = early.connected()
        #expect(early.close() == .close(reason: "closed by the client"))

        var machine = Self.ready()
        let close = AMQPMethod.connectionClose(replyCode: 200, replyText: "OK", classID: 0, methodID: 0)
        #expect(machine.close() == .startClosing(close))
        #expect(machine.close() == .none)
        // Frames the broker sent before it saw the close are dropped.
        #expect(machine.received(Self.method(.basicAck(deliveryTag: 1, multiple: false), channel: 1)) == .none)
        #expect(machine.received(Self.method(.connectionCloseOK)) == .close(reason: "closed by the client"))

        var timedOut = Self.ready()
        _ = timedOut.close()
        #expect(timedOut.closeTimedOut() == .close(reason: "closed by the client (the broker did not confirm)"))

        var crossed = Self.ready()
        _ = crossed.close()
        let serverClose = Self.method(
            .connectionClose(replyCode: 320, replyText: "CONNECTION_FORCED", classID: 0, methodID: 0))
        #expect(
            crossed.received(serverClose)
                == .answerAndClose(.connectionCloseOK, channel: 0, reason: "320 CONNECTION_FORCED"))
    }
}
