/// One AMQP connection's life, from the protocol header to `ready` and on to its close, shared by the
/// publisher, the consumer and the admin connection.
///
/// Pure: each event returns what to do and `AMQPConnectionHandler` does it, so the handshake, the
/// broker's refusals and closes, heartbeats and flow control are tested without a broker. The path:
/// protocol header → `connection.start` → `start-ok` (SASL PLAIN) → `tune` → `tune-ok` + `open(vhost)` →
/// `open-ok` → `channel.open` → `open-ok` → the role's setup methods (`confirm.select`, declarations,
/// `basic.qos`, `basic.consume`), sent together and answered in order → ready. Everything runs on one
/// channel (1). A close from the broker, of the connection or of the channel, is answered and ends the
/// connection: the supervisor reconnects, which is simpler and as quick as reopening a channel.
struct AMQPConnectionStateMachine {
    struct Configuration: Sendable {
        var user: String
        var password: String
        var virtualHost: String
        /// Proposed heartbeat in seconds (the broker may lower it); 0 turns heartbeats off.
        var heartbeat: UInt16 = 10
        /// Shown by `rabbitmqctl list_connections client_properties` and the management UI.
        var connectionName: String = "tableorder"

        init(
            user: String, password: String, virtualHost: String, heartbeat: UInt16 = 10,
            connectionName: String = "tableorder"
        ) {
            self.user = user
            self.password = password
            self.virtualHost = virtualHost
            self.heartbeat = heartbeat
            self.connectionName = connectionName
        }
    }

    /// What `connection.tune` settled.
    struct Tuning: Equatable, Sendable {
        var channelMax: UInt16
        var frameMax: UInt32
        /// Seconds; 0: no heartbeats.
        var heartbeat: UInt16
    }

    enum Action: Equatable {
        case sendProtocolHeader
        case send(AMQPMethod, channel: UInt16)
        /// Lower the frame limit to `tuning.frameMax` and start the heartbeat timer, then send both methods.
        case tune(Tuning, tuneOK: AMQPMethod, open: AMQPMethod)
        /// Send these on the channel, all at once; the broker answers them in order.
        case sendSetup([AMQPMethod])
        /// The handshake and the setup are done.
        case ready
        /// A frame of the channel, for the role (publisher, consumer, admin).
        case forward(AMQPFrame)
        /// The broker blocks publishers (memory or disk alarm), or stopped doing so.
        case blocked(reason: String)
        case unblocked
        case sendHeartbeat
        /// Send the method (the answer to the broker's close), then close the socket.
        case answerAndClose(AMQPMethod, channel: UInt16, reason: String)
        /// Ask the broker to close (`connection.close`) and wait, up to a timeout, for `close-ok`.
        case startClosing(AMQPMethod)
        /// Close the socket now.
        case close(reason: String)
        case none
    }

    private enum State: Equatable {
        case initialized
        case awaitingStart
        case awaitingTune
        case awaitingOpenOK(Tuning)
        case awaitingChannelOpenOK(Tuning)
        /// The setup methods still unanswered, in order.
        case settingUp(Tuning, pending: ArraySlice<AMQPMethod>)
        case ready(Tuning)
        /// We sent `connection.close`.
        case closing
        case closed
    }

    /// The only channel this client opens.
    static let channel: UInt16 = 1
    /// The largest frame this client proposes (RabbitMQ's default).
    static let clientFrameMax: UInt32 = 131_072

    private let configuration: Configuration
    private let setup: [AMQPMethod]
    private var state = State.initialized
    /// Why the connection ended or is ending: the first reason wins (the broker's reply text, a protocol
    /// error, missed heartbeats). Reported when the channel closes.
    private(set) var closeReason: String?
    private(set) var blockedReason: String?
    private var ticksWithoutRead = 0

    init(configuration: Configuration, setup: [AMQPMethod]) {
        self.configuration = configuration
        self.setup = setup
    }

    var isReady: Bool { if case .ready = state { true } else { false } }

    var tuning: Tuning? {
        switch state {
        case .awaitingOpenOK(let t), .awaitingChannelOpenOK(let t), .settingUp(let t, _), .ready(let t): t
        default: nil
        }
    }

    // MARK: - Events

    /// The transport is up.
    mutating func connected() -> Action {
        guard state == .initialized else { return .none }
        state = .awaitingStart
        return .sendProtocolHeader
    }

    mutating func received(_ frame: AMQPFrame) -> Action {
        switch state {
        case .closed:
            return .none
        case .closing:
            switch frame {
            case .method(0, .connectionCloseOK):
                state = .closed
                return .close(reason: record("closed by the client"))
            case .method(0, .connectionClose(let code, let text, _, _)):
                return answerAndClose(.connectionCloseOK, channel: 0, reason: "\(code) \(text)")
            default:
                // Frames the broker sent before it saw our close; nobody is waiting for them now.
                return .none
            }
        default:
            break
        }
        switch frame {
        case .heartbeat:
            return .none
        case .method(0, .connectionClose(let code, let text, _, _)):
            return answerAndClose(.connectionCloseOK, channel: 0, reason: "\(code) \(text)")
        case .method(0, .connectionBlocked(let reason)):
            blockedReason = reason
            return .blocked(reason: reason)
        case .method(0, .connectionUnblocked):
            blockedReason = nil
            return .unblocked
        case .method(Self.channel, .channelClose(let code, let text, let classID, let methodID)):
            let method = AMQPMethod.other(id: UInt32(classID) << 16 | UInt32(methodID))
            let cause = classID == 0 ? "" : " (after \(method.name))"
            return answerAndClose(
                .channelCloseOK, channel: Self.channel, reason: "channel closed by the broker: \(code) \(text)\(cause)")
        default:
            break
        }
        switch state {
        case .awaitingStart:
            guard case .method(0, .connectionStart(let major, let minor, _, let mechanisms, _)) = frame else {
                return unexpected(frame, "connection.start")
            }
            guard major == 0, minor == 9 else { return fail("broker speaks AMQP \(major)-\(minor), not 0-9-1") }
            guard mechanisms.split(separator: " ").contains("PLAIN") else {
                return fail("broker offers no PLAIN authentication (it offers \(mechanisms))")
            }
            state = .awaitingTune
            let response = [0] + Array(configuration.user.utf8) + [0] + Array(configuration.password.utf8)
            return .send(
                .connectionStartOK(
                    clientProperties: clientProperties, mechanism: "PLAIN", response: response, locale: "en_US"),
                channel: 0)
        case .awaitingTune:
            guard case .method(0, .connectionTune(let channelMax, let frameMax, let heartbeat)) = frame else {
                return unexpected(frame, "connection.tune")
            }
            let tuning = negotiate(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)
            state = .awaitingOpenOK(tuning)
            return .tune(
                tuning,
                tuneOK: .connectionTuneOK(
                    channelMax: tuning.channelMax, frameMax: tuning.frameMax, heartbeat: tuning.heartbeat),
                open: .connectionOpen(virtualHost: configuration.virtualHost))
        case .awaitingOpenOK(let tuning):
            guard case .method(0, .connectionOpenOK) = frame else { return unexpected(frame, "connection.open-ok") }
            state = .awaitingChannelOpenOK(tuning)
            return .send(.channelOpen, channel: Self.channel)
        case .awaitingChannelOpenOK(let tuning):
            guard case .method(Self.channel, .channelOpenOK) = frame else {
                return unexpected(frame, "channel.open-ok")
            }
            if setup.isEmpty {
                state = .ready(tuning)
                return .ready
            }
            state = .settingUp(tuning, pending: setup[...])
            return .sendSetup(setup)
        case .settingUp(let tuning, var pending):
            guard case .method(Self.channel, let method) = frame, method.answers(pending.first!) else {
                return unexpected(frame, "the answer to \(pending.first!.name)")
            }
            pending.removeFirst()
            if pending.isEmpty {
                state = .ready(tuning)
                return .ready
            }
            state = .settingUp(tuning, pending: pending)
            return .none
        case .ready:
            guard frame.channel == Self.channel else {
                return fail("frame on channel \(frame.channel), which was never opened")
            }
            return .forward(frame)
        case .initialized, .closing, .closed:
            return .none
        }
    }

    /// Called every `heartbeat / 2` once tuned, with whether anything was read or written since the last
    /// call. Sends a heartbeat when we have been silent; gives up when the broker has been silent for two
    /// heartbeat intervals.
    mutating func heartbeatTick(received: Bool, sent: Bool) -> Action {
        guard let tuning, tuning.heartbeat > 0 else { return .none }
        if received {
            ticksWithoutRead = 0
        } else {
            ticksWithoutRead += 1
            if ticksWithoutRead >= 4 {
                return fail("no frame from the broker for \(2 * Int(tuning.heartbeat)) s (missed heartbeats)")
            }
        }
        return sent ? .none : .sendHeartbeat
    }

    /// The handshake and setup did not finish in time.
    mutating func handshakeTimedOut() -> Action {
        switch state {
        case .initialized, .awaitingStart, .awaitingTune, .awaitingOpenOK, .awaitingChannelOpenOK, .settingUp:
            return fail("the broker did not complete the handshake in time (at \(stageName))")
        case .ready, .closing, .closed:
            return .none
        }
    }

    /// We want to close: politely once the broker has opened the connection, else at once.
    mutating func close() -> Action {
        switch state {
        case .initialized, .awaitingStart, .awaitingTune:
            state = .closed
            return .close(reason: record("closed by the client"))
        case .awaitingOpenOK, .awaitingChannelOpenOK, .settingUp, .ready:
            state = .closing
            return .startClosing(.connectionClose(replyCode: 200, replyText: "OK", classID: 0, methodID: 0))
        case .closing, .closed:
            return .none
        }
    }

    /// The broker did not answer our `connection.close` in time.
    mutating func closeTimedOut() -> Action {
        guard state == .closing else { return .none }
        state = .closed
        return .close(reason: record("closed by the client (the broker did not confirm)"))
    }

    /// The codec or the transport failed.
    mutating func failed(_ description: String) -> Action {
        guard state != .closed else { return .none }
        return fail(description)
    }

    /// The socket closed. Returns why, for the role and the supervisor.
    mutating func channelClosed() -> String {
        state = .closed
        return record("connection closed by the broker")
    }

    // MARK: - Helpers

    private var stageName: String {
        switch state {
        case .initialized, .awaitingStart: "connection.start"
        case .awaitingTune: "connection.tune"
        case .awaitingOpenOK: "connection.open"
        case .awaitingChannelOpenOK: "channel.open"
        case .settingUp(_, let pending): pending.first?.name ?? "setup"
        default: "ready"
        }
    }

    private var clientProperties: AMQPTable {
        [
            "product": .string("tableorder"),
            "platform": .string("Swift, SwiftNIO"),
            "connection_name": .string(configuration.connectionName),
            "capabilities": .table([
                "publisher_confirms": .bool(true),
                "consumer_cancel_notify": .bool(true),
                "connection.blocked": .bool(true),
                "basic.nack": .bool(true),
                "authentication_failure_close": .bool(true),
            ]),
        ]
    }

    /// The smaller of each limit, where 0 means "no limit" (heartbeat: "off") on that side.
    private func negotiate(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16) -> Tuning {
        func smaller<T: FixedWidthInteger>(_ server: T, _ client: T) -> T {
            server == 0 ? client : client == 0 ? server : min(server, client)
        }
        let ours = configuration.heartbeat
        return Tuning(
            channelMax: smaller(channelMax, 2047),
            frameMax: smaller(frameMax, Self.clientFrameMax),
            heartbeat: ours == 0 ? 0 : smaller(heartbeat, ours))
    }

    @discardableResult
    private mutating func record(_ reason: String) -> String {
        if closeReason == nil { closeReason = reason }
        return closeReason!
    }

    private mutating func answerAndClose(_ answer: AMQPMethod, channel: UInt16, reason: String) -> Action {
        state = .closed
        return .answerAndClose(answer, channel: channel, reason: record(reason))
    }

    private mutating func fail(_ reason: String) -> Action {
        state = .closed
        return .close(reason: record(reason))
    }

    private mutating func unexpected(_ frame: AMQPFrame, _ expected: String) -> Action {
        let got: String
        switch frame {
        case .method(let channel, let method): got = "\(method.name) on channel \(channel)"
        case .header: got = "a content header"
        case .body: got = "a body frame"
        case .heartbeat: got = "a heartbeat"
        }
        return fail("protocol error: expected \(expected), got \(got)")
    }
}
