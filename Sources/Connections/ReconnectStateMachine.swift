import TableOrderCore

/// Which host a client connects to next, and when: the reconnect logic every broker connection shares.
///
/// Pure: it returns what to do and the supervisor does it, so every path (a host down, a session lost,
/// a stop during a connect) is tested without a network. The rules an operator of a cluster expects:
/// - a failed attempt tries the next host at once, until every host has failed in a row; then it waits,
///   with exponential backoff, before the next round;
/// - a connection lost after its session was ready and stable moves on to the next host at once (its own
///   host is the likeliest to be down), and the backoff starts over;
/// - a connection lost before its session was ready, or soon after, counts as a failed attempt, so a
///   broker that accepts TCP and then refuses the handshake, or drops every session at once, is not hammered;
/// - each client starts on a host of its own choosing (`firstIndex`), so a fleet spreads over a cluster;
/// - after `stop()`, nothing reconnects, and a connect still under way is closed when it completes.
public struct ReconnectStateMachine: Sendable {
    public enum Action: Equatable, Sendable {
        /// Open a connection to this host.
        case connect(BrokerEndpoint)
        /// Wait this long, then call `retryTimerFired()`.
        case wait(Duration)
        /// Close the channel just opened or still open.
        case close
        case none
    }

    private enum State: Equatable {
        case idle
        case connecting
        /// The TCP connection is up; TLS's and the protocol's handshakes are running.
        case opened
        /// The protocol's session is ready.
        case ready
        case waiting
        case stopped
    }

    public let endpoints: [BrokerEndpoint]
    private var state = State.idle
    private var index = 0
    /// Attempts failed in a row since the last ready session (backoff starts when all hosts have failed).
    private var failuresInRow = 0
    private var backoff: Backoff

    public init(
        endpoints: [BrokerEndpoint], backoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(3)),
        firstIndex: Int = 0
    ) {
        precondition(!endpoints.isEmpty, "a client needs at least one host")
        self.endpoints = endpoints
        self.backoff = backoff
        self.index = firstIndex.magnitude < UInt(endpoints.count) ? firstIndex : 0
    }

    /// The host of the current or last attempt.
    public var currentEndpoint: BrokerEndpoint { endpoints[index] }
    public var isStopped: Bool { state == .stopped }
    public var isReady: Bool { state == .ready }

    public mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting
        return .connect(endpoints[index])
    }

    /// The TCP connection is up (TLS, if any, handshakes next, as part of the session's start).
    public mutating func opened() -> Action {
        switch state {
        case .connecting:
            state = .opened
            return .none
        case .stopped:
            return .close
        default:
            preconditionFailure("opened in state \(state)")
        }
    }

    /// The protocol's handshake is done. Whether the host works is known when the session ends: see `closed`.
    public mutating func sessionReady() {
        guard state == .opened else { return }
        state = .ready
    }

    /// The attempt failed before the transport was up.
    public mutating func connectFailed() -> Action {
        switch state {
        case .connecting:
            return failedAttempt()
        case .stopped:
            return .none
        default:
            preconditionFailure("connect failed in state \(state)")
        }
    }

    /// The open channel closed. `stable`: the session was ready for long enough to say the host worked.
    public mutating func closed(stable: Bool) -> Action {
        switch state {
        case .ready where stable:
            failuresInRow = 0
            backoff.reset()
            advance()
            state = .connecting
            return .connect(endpoints[index])
        case .ready, .opened:
            return failedAttempt()
        case .stopped:
            return .none
        default:
            preconditionFailure("closed in state \(state)")
        }
    }

    public mutating func retryTimerFired() -> Action {
        guard state == .waiting else { return .none }
        state = .connecting
        return .connect(endpoints[index])
    }

    /// No more connections. A channel that is open is closed; one still connecting is closed when it opens.
    public mutating func stop() -> Action {
        let previous = state
        state = .stopped
        switch previous {
        case .opened, .ready: return .close
        default: return .none
        }
    }

    private mutating func failedAttempt() -> Action {
        failuresInRow += 1
        advance()
        if failuresInRow % endpoints.count != 0 {
            state = .connecting
            return .connect(endpoints[index])
        }
        state = .waiting
        return .wait(backoff.nextDelay())
    }

    private mutating func advance() { index = (index + 1) % endpoints.count }
}
