import DequeModule

/// One Redis client connection, from its handshake to its close, and the commands pipelined on it.
///
/// Pure: each event is a method that returns what to do, and `RedisConnection` does it, so every path
/// (a refused handshake, a reply that never comes, a failover, a stop with commands in flight) is tested
/// without a server. The rules:
/// - commands issued during the handshake wait and go out right after it; replies match commands in order;
/// - without a connection, a command fails at once ("redis unavailable"), so the cache is bypassed and
///   the limiter fails open or closed instead of a request hanging;
/// - a `READONLY` reply (a primary demoted by a failover) is returned to its caller, and the connection
///   is closed so the supervisor reconnects, through Sentinel, to the new primary;
/// - when the connection closes, every command still waiting fails; after `shutdown()`, everything does.
struct RedisConnectionStateMachine<Request> {
    enum Failure: Equatable, Sendable {
        /// Not connected (or closing): the command was not sent.
        case unavailable
        /// The connection closed, for this reason, before the reply came.
        case connectionLost(String)
        case stopped
    }

    enum Action {
        case none
        /// Send this command; its request waits for the reply.
        case write([[UInt8]])
        /// Send the handshake's commands.
        case writeHandshake([[[UInt8]]])
        /// The handshake is done: tell the supervisor, then send the commands that waited for it.
        case sessionReady(queued: [[[UInt8]]])
        case succeed(Request, RESPValue)
        /// Answer this request, then close the connection for `reason`.
        case succeedAndClose(Request, RESPValue, reason: String)
        case fail(Request, Failure)
        case failAll([Request], Failure)
        /// Close the connection for `reason`. What still waits fails once it has closed.
        case close(reason: String)
    }

    private enum State {
        /// No connection: commands fail at once.
        case disconnected
        /// The handshake's replies are awaited; commands wait to be sent behind it.
        case handshaking(remaining: ArraySlice<RedisHandshake.Step>, queued: Deque<Queued>)
        /// Commands are sent as they come; their requests await their replies in order.
        case ready(pending: Deque<Request>)
        /// We are closing it: replies already on their way still answer `pending`; new commands fail.
        case closing(pending: Deque<Request>, unsent: [Request], reason: String)
        case stopped
        /// Transient, while a case's payload is mutated in place (no copy of the queue).
        case modifying
    }

    struct Queued {
        var command: [[UInt8]]
        var request: Request
    }

    private let handshake: RedisHandshake
    /// Ticks in a row with a command outstanding and no reply: `stallLimit` of them close the connection.
    private let stallLimit: Int
    private var state = State.disconnected
    private var stalledTicks = 0
    private var replySinceTick = false

    /// - Parameters:
    ///   - handshake: What each new connection says first (at least one command).
    ///   - stallLimit: How many `tick()`s a command may wait without any reply arriving.
    init(handshake: RedisHandshake, stallLimit: Int = 3) {
        precondition(!handshake.steps.isEmpty, "a handshake has at least one round trip")
        self.handshake = handshake
        self.stallLimit = stallLimit
    }

    /// Whether commands are sent now (not queued, not failed).
    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    /// Whether a connection is in use (handshake or commands) and not already being closed by us.
    var isInUse: Bool {
        switch state {
        case .handshaking, .ready: true
        case .disconnected, .closing, .stopped, .modifying: false
        }
    }

    /// A new connection's transport is up.
    mutating func connectionOpened() -> Action {
        switch state {
        case .disconnected:
            stalledTicks = 0
            replySinceTick = false
            state = .handshaking(remaining: handshake.steps[...], queued: [])
            return .writeHandshake(handshake.commands)
        case .stopped:
            return .none
        case .handshaking, .ready, .closing, .modifying:
            preconditionFailure("connection opened in state \(state)")
        }
    }

    /// A caller's command.
    mutating func send(_ command: [[UInt8]], _ request: Request) -> Action {
        switch state {
        case .ready(var pending):
            state = .modifying
            pending.append(request)
            state = .ready(pending: pending)
            return .write(command)
        case .handshaking(let remaining, var queued):
            state = .modifying
            queued.append(Queued(command: command, request: request))
            state = .handshaking(remaining: remaining, queued: queued)
            return .none
        case .disconnected, .closing:
            return .fail(request, .unavailable)
        case .stopped:
            return .fail(request, .stopped)
        case .modifying:
            preconditionFailure("invalid state")
        }
    }

    mutating func replyReceived(_ reply: RESPValue) -> Action {
        replySinceTick = true
        switch state {
        case .handshaking(var remaining, var queued):
            let step = remaining.removeFirst()
            if let problem = RedisHandshake.problem(with: reply, at: step) {
                state = .closing(pending: [], unsent: queued.map(\.request), reason: problem)
                return .close(reason: problem)
            }
            guard remaining.isEmpty else {
                state = .modifying
                state = .handshaking(remaining: remaining, queued: queued)
                return .none
            }
            state = .modifying
            let commands = queued.map(\.command)
            let requests = Deque(queued.lazy.map(\.request))
            queued.removeAll()
            state = .ready(pending: requests)
            return .sessionReady(queued: commands)
        case .ready(var pending):
            state = .modifying
            guard let request = pending.popFirst() else {
                let reason = "a reply to no command: \(reply.shape)"
                state = .closing(pending: [], unsent: [], reason: reason)
                return .close(reason: reason)
            }
            if case .error(let message) = reply, message.hasPrefix("READONLY") {
                let reason = "the server is read-only, a replica since a failover? (\(message))"
                state = .closing(pending: pending, unsent: [], reason: reason)
                return .succeedAndClose(request, reply, reason: reason)
            }
            state = .ready(pending: pending)
            return .succeed(request, reply)
        case .closing(var pending, let unsent, let reason):
            state = .modifying
            let request = pending.popFirst()
            state = .closing(pending: pending, unsent: unsent, reason: reason)
            return request.map { .succeed($0, reply) } ?? .none
        case .disconnected, .stopped:
            return .none
        case .modifying:
            preconditionFailure("invalid state")
        }
    }

    /// The connection cannot be used any more (a protocol error, a TLS or socket error): close it.
    mutating func failed(_ reason: String) -> Action {
        switch state {
        case .handshaking(_, let queued):
            state = .closing(pending: [], unsent: queued.map(\.request), reason: reason)
            return .close(reason: reason)
        case .ready(let pending):
            state = .closing(pending: pending, unsent: [], reason: reason)
            return .close(reason: reason)
        case .closing, .disconnected, .stopped:
            return .none
        case .modifying:
            preconditionFailure("invalid state")
        }
    }

    /// Called at a steady interval while a connection is open: a command that waits `stallLimit` ticks
    /// without any reply arriving means the server (or the path to it) has stopped answering.
    mutating func tick() -> Action {
        let outstanding: Bool
        switch state {
        case .handshaking: outstanding = true
        case .ready(let pending): outstanding = !pending.isEmpty
        case .closing, .disconnected, .stopped, .modifying: return .none
        }
        if !outstanding || replySinceTick {
            stalledTicks = 0
        } else {
            stalledTicks += 1
        }
        replySinceTick = false
        guard stalledTicks >= stallLimit else { return .none }
        return failed("no reply from redis for \(stallLimit) checks in a row")
    }

    /// The channel closed: what still waits fails.
    mutating func connectionClosed() -> Action {
        let waiting: [Request]
        let reason: String
        switch state {
        case .handshaking(_, let queued):
            waiting = queued.map(\.request)
            reason = "the server closed the connection during the handshake"
        case .ready(let pending):
            waiting = Array(pending)
            reason = "the server closed the connection"
        case .closing(let pending, let unsent, let why):
            waiting = Array(pending) + unsent
            reason = why
        case .disconnected, .stopped:
            return .none
        case .modifying:
            preconditionFailure("invalid state")
        }
        state = .disconnected
        return waiting.isEmpty ? .none : .failAll(waiting, .connectionLost(reason))
    }

    /// No more commands: what waits, and whatever comes later, fails with `.stopped`.
    mutating func shutdown() -> Action {
        let waiting: [Request]
        switch state {
        case .handshaking(_, let queued): waiting = queued.map(\.request)
        case .ready(let pending): waiting = Array(pending)
        case .closing(let pending, let unsent, _): waiting = Array(pending) + unsent
        case .disconnected, .stopped: waiting = []
        case .modifying: preconditionFailure("invalid state")
        }
        state = .stopped
        return waiting.isEmpty ? .none : .failAll(waiting, .stopped)
    }
}
