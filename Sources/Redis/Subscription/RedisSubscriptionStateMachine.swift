/// One pattern subscription over reconnects: handshake, `PSUBSCRIBE`, messages, and a `PING` now and
/// then so a silently dead connection (a partition, a frozen server) is noticed.
///
/// Pure, like `RedisConnectionStateMachine`: `RedisSubscription` does what it returns. Every successful
/// (re)subscribe says `.subscribed`, after which listeners fill from the event log what they missed.
struct RedisSubscriptionStateMachine {
    enum Action: Equatable {
        case none
        /// Send these commands, in one write.
        case write([[[UInt8]]])
        /// The subscription is active (again): tell the supervisor and the listeners.
        case subscribed
        case deliver(channel: String, payload: String)
        /// Close the connection for `reason`.
        case close(reason: String)
        /// The subscription that was active is gone: `lost` with its connection, or ended by `shutdown()`.
        case unsubscribed(lost: Bool)
    }

    private enum State {
        case disconnected
        /// The handshake's replies are awaited (`PSUBSCRIBE` went out behind it).
        case handshaking(remaining: ArraySlice<RedisHandshake.Step>)
        /// The `PSUBSCRIBE` confirmation is awaited.
        case subscribing
        /// `awaitingPong`: a `PING` went out and nothing has come back since.
        case subscribed(awaitingPong: Bool)
        case closing(wasSubscribed: Bool)
        case stopped
    }

    let pattern: String
    private let handshake: RedisHandshake
    private let stallLimit: Int
    private var state = State.disconnected
    private var stalledTicks = 0
    private var replySinceTick = false

    /// - Parameters:
    ///   - pattern: The `PSUBSCRIBE` pattern.
    ///   - handshake: What each new connection says first.
    ///   - stallLimit: How many `tick()`s the handshake and subscribe may take without any reply.
    init(pattern: String, handshake: RedisHandshake, stallLimit: Int = 2) {
        self.pattern = pattern
        self.handshake = handshake
        self.stallLimit = stallLimit
    }

    var isSubscribed: Bool {
        if case .subscribed = state { return true }
        return false
    }

    /// Whether a connection is in use and not already being closed by us.
    var isInUse: Bool {
        switch state {
        case .handshaking, .subscribing, .subscribed: true
        case .disconnected, .closing, .stopped: false
        }
    }

    /// A new connection's transport is up: handshake and subscribe, pipelined.
    mutating func connectionOpened() -> Action {
        switch state {
        case .disconnected:
            stalledTicks = 0
            replySinceTick = false
            state = .handshaking(remaining: handshake.steps[...])
            return .write(handshake.commands + [[Array("PSUBSCRIBE".utf8), Array(pattern.utf8)]])
        case .stopped:
            return .none
        case .handshaking, .subscribing, .subscribed, .closing:
            preconditionFailure("connection opened in state \(state)")
        }
    }

    mutating func replyReceived(_ reply: RESPValue) -> Action {
        replySinceTick = true
        switch state {
        case .handshaking(var remaining):
            let step = remaining.removeFirst()
            if let problem = RedisHandshake.problem(with: reply, at: step) {
                state = .closing(wasSubscribed: false)
                return .close(reason: problem)
            }
            state = remaining.isEmpty ? .subscribing : .handshaking(remaining: remaining)
            return .none
        case .subscribing:
            if case .error(let message) = reply {
                state = .closing(wasSubscribed: false)
                return .close(reason: "PSUBSCRIBE failed: \(message)")
            }
            guard case .array(let parts) = reply, parts.first?.string == "psubscribe" else { return .none }
            state = .subscribed(awaitingPong: false)
            return .subscribed
        case .subscribed:
            // Anything from the server shows the connection is alive.
            state = .subscribed(awaitingPong: false)
            guard case .array(let parts) = reply, parts.count == 4, parts[0].string == "pmessage",
                let channel = parts[2].string, let payload = parts[3].string
            else { return .none }
            return .deliver(channel: channel, payload: payload)
        case .closing, .disconnected, .stopped:
            return .none
        }
    }

    /// The connection cannot be used any more (a protocol, TLS or socket error): close it.
    mutating func failed(_ reason: String) -> Action {
        switch state {
        case .handshaking, .subscribing:
            state = .closing(wasSubscribed: false)
            return .close(reason: reason)
        case .subscribed:
            state = .closing(wasSubscribed: true)
            return .close(reason: reason)
        case .closing, .disconnected, .stopped:
            return .none
        }
    }

    /// Called at a steady interval while a connection is open.
    mutating func tick() -> Action {
        defer { replySinceTick = false }
        switch state {
        case .subscribed(let awaitingPong):
            if awaitingPong { return failed("no answer to PING") }
            state = .subscribed(awaitingPong: true)
            return .write([[Array("PING".utf8)]])
        case .handshaking, .subscribing:
            stalledTicks = replySinceTick ? 0 : stalledTicks + 1
            return stalledTicks >= stallLimit ? failed("no reply from redis while subscribing") : .none
        case .closing, .disconnected, .stopped:
            return .none
        }
    }

    mutating func connectionClosed() -> Action {
        switch state {
        case .subscribed, .closing(wasSubscribed: true):
            state = .disconnected
            return .unsubscribed(lost: true)
        case .handshaking, .subscribing, .closing(wasSubscribed: false):
            state = .disconnected
            return .none
        case .disconnected, .stopped:
            return .none
        }
    }

    mutating func shutdown() -> Action {
        let wasSubscribed = isSubscribed
        state = .stopped
        return wasSubscribed ? .unsubscribed(lost: false) : .none
    }
}
