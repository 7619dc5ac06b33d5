import DequeModule
import NIOCore

/// Publisher confirms on one channel, across connections: which caller each `basic.ack`, `basic.nack`
/// or `basic.return` answers, when callers time out, and what a lost connection, a blocked broker or a
/// shutdown does to them.
///
/// Pure (generic over the caller, a continuation in production, a number in tests); the session does
/// the I/O. The rules:
/// - delivery tags count from 1 on each connection; the in-flight messages are kept in tag order, so an
///   ack with `multiple` settles a prefix and a tag finds its entry by subtraction;
/// - every caller gets exactly one answer: confirmed, `.nacked`, `.unroutable` (a `mandatory` message
///   that came back), `.timedOut` (its deadline passed first; the entry stays until the broker settles
///   it), `.connectionLost` (the broker may or may not have it: the caller retries, and the command's
///   id makes a duplicate harmless), `.blocked` (in flight when the broker blocked publishers: it may
///   still take it later), `.notConnected`, `.blocked` or `.stopped` (refused at once);
/// - nothing waits in a queue of ours: a publish is written at once or refused at once;
/// - one timer, for the earliest deadline of a caller still waiting;
/// - shutdown refuses new publishes and waits for the callers in flight (each up to its deadline).
struct AMQPPublisherStateMachine<Caller> {
    struct Completion {
        var caller: Caller
        var result: Result<Void, AMQPPublisher.Failure>
    }

    /// What a publish does.
    enum PublishAction {
        /// Write the message with this delivery tag (also its message id); arm the timer for this
        /// deadline if there is one (the new earliest).
        case write(tag: UInt64, armTimer: NIODeadline?)
        /// Answer the caller at once.
        case fail(AMQPPublisher.Failure)
    }

    /// Callers to answer, and what else follows from an event.
    struct Settlement {
        var completions: [Completion] = []
        /// Arm the timer for this deadline (the earliest of a waiting caller).
        var armTimer: NIODeadline?
        /// The shutdown can finish: nobody waits any more.
        var stop = false

        static var none: Settlement { Settlement() }
    }

    private struct Entry {
        let tag: UInt64
        /// `nil` once answered (a timeout) though the broker has not settled it yet.
        var caller: Caller?
        let deadline: NIODeadline
        var returned = false
        /// Settled by a single (non-`multiple`) ack or nack that overtook earlier tags.
        var settled = false
    }

    private struct Channel {
        var nextTag: UInt64 = 1
        /// Tags `inFlight[0].tag ..< nextTag`, without gaps.
        var inFlight = Deque<Entry>()
        /// Entries whose caller has not been answered.
        var waiting = 0
    }

    private enum State {
        /// Connecting or reconnecting; publishes fail with this reason.
        case disconnected(reason: String)
        case connected(Channel)
        /// Shutdown requested while callers wait for confirms.
        case draining(Channel)
        case stopped
        /// Transient, while a channel's deque is mutated in place (no copy).
        case modifying
    }

    private var state = State.disconnected(reason: "not yet connected")
    /// Set by `connection.blocked`, for as long as that connection lasts.
    private(set) var blockedReason: String?
    /// The deadline the session's timer is armed for, if any.
    private var timerDeadline: NIODeadline?

    init() {}

    var isConnected: Bool { if case .connected = state { true } else { false } }
    var isStopped: Bool { if case .stopped = state { true } else { false } }
    var waitingCount: Int {
        switch state {
        case .connected(let channel), .draining(let channel): channel.waiting
        default: 0
        }
    }

    // MARK: - Connection events

    /// The channel is open in confirm mode. Returns false if the publisher is stopped (close it).
    mutating func connectionReady() -> Bool {
        switch state {
        case .disconnected:
            state = .connected(Channel())
            return true
        case .stopped:
            return false
        case .connected, .draining, .modifying:
            preconditionFailure("connection ready twice")
        }
    }

    /// The connection closed, or an attempt failed: every waiting caller fails with `.connectionLost`.
    mutating func connectionLost(reason: String) -> Settlement {
        blockedReason = nil
        switch state {
        case .disconnected:
            state = .disconnected(reason: reason)
            return .none
        case .stopped:
            return .none
        case .connected(let channel):
            state = .disconnected(reason: reason)
            return Settlement(completions: failAll(channel, .connectionLost))
        case .draining(let channel):
            state = .stopped
            return Settlement(completions: failAll(channel, .connectionLost), stop: true)
        case .modifying:
            preconditionFailure("modifying")
        }
    }

    /// The broker blocks publishers. RabbitMQ says so only once a publish reaches it during an alarm,
    /// and then stops reading the connection: the callers waiting now would wait out their deadlines,
    /// so they fail at once with `.blocked` (their messages stay in flight, and the broker may still
    /// take them when the alarm clears, as after a timeout).
    mutating func blocked(reason: String) -> Settlement {
        blockedReason = reason
        var settlement = Settlement()
        mutateChannel { channel in
            for index in channel.inFlight.indices {
                guard let caller = channel.inFlight[index].caller else { continue }
                channel.inFlight[index].caller = nil
                channel.waiting -= 1
                settlement.completions.append(Completion(caller: caller, result: .failure(.blocked(reason))))
            }
        }
        settlement.stop = finishDrainIfDone()
        return settlement
    }

    mutating func unblocked() { blockedReason = nil }

    // MARK: - Publishing

    mutating func publish(_ caller: Caller, deadline: NIODeadline) -> PublishAction {
        switch state {
        case .disconnected(let reason):
            return .fail(.notConnected(reason))
        case .draining, .stopped:
            return .fail(.stopped)
        case .modifying:
            preconditionFailure("modifying")
        case .connected(var channel):
            if let blockedReason { return .fail(.blocked(blockedReason)) }
            state = .modifying
            let tag = channel.nextTag
            channel.nextTag += 1
            channel.inFlight.append(Entry(tag: tag, caller: caller, deadline: deadline))
            channel.waiting += 1
            state = .connected(channel)
            var arm: NIODeadline?
            if timerDeadline.map({ deadline < $0 }) ?? true {
                timerDeadline = deadline
                arm = deadline
            }
            return .write(tag: tag, armTimer: arm)
        }
    }

    /// Takes back the publish just made (its frames could not be encoded, so the broker never counts
    /// its tag). Only valid right after `publish` returned `.write(tag)`.
    mutating func unpublish(tag: UInt64) {
        mutateChannel { channel in
            precondition(
                channel.nextTag == tag + 1 && channel.inFlight.last?.tag == tag, "unpublish of \(tag) out of order")
            channel.inFlight.removeLast()
            channel.nextTag -= 1
            channel.waiting -= 1
        }
    }

    /// A message came back (`basic.return`); its ack follows and answers `.unroutable`.
    mutating func returned(tag: UInt64) {
        mutateChannel { channel in
            guard let first = channel.inFlight.first?.tag, tag >= first, tag < channel.nextTag else { return }
            channel.inFlight[Int(tag - first)].returned = true
        }
    }

    mutating func acked(tag: UInt64, multiple: Bool) -> Settlement {
        settle(tag: tag, multiple: multiple, nacked: false)
    }

    mutating func nacked(tag: UInt64, multiple: Bool) -> Settlement {
        settle(tag: tag, multiple: multiple, nacked: true)
    }

    /// The timer fired: callers whose deadline passed fail with `.timedOut`.
    mutating func timerFired(now: NIODeadline) -> Settlement {
        timerDeadline = nil
        var settlement = Settlement()
        var earliest: NIODeadline?
        mutateChannel { channel in
            for index in channel.inFlight.indices {
                guard let caller = channel.inFlight[index].caller else { continue }
                let deadline = channel.inFlight[index].deadline
                if deadline <= now {
                    channel.inFlight[index].caller = nil
                    channel.waiting -= 1
                    settlement.completions.append(Completion(caller: caller, result: .failure(.timedOut)))
                } else if earliest.map({ deadline < $0 }) ?? true {
                    earliest = deadline
                }
            }
        }
        timerDeadline = earliest
        settlement.armTimer = earliest
        settlement.stop = finishDrainIfDone()
        return settlement
    }

    // MARK: - Shutdown

    enum ShutdownAction: Equatable {
        /// Nobody waits: close now.
        case stop
        /// Wait for the callers in flight; a later settlement says `stop`.
        case wait
    }

    mutating func shutdown() -> ShutdownAction {
        switch state {
        case .disconnected:
            state = .stopped
            return .stop
        case .connected(let channel):
            if channel.waiting == 0 {
                state = .stopped
                return .stop
            }
            state = .draining(channel)
            return .wait
        case .draining:
            return .wait
        case .stopped:
            return .stop
        case .modifying:
            preconditionFailure("modifying")
        }
    }

    // MARK: - Helpers

    private mutating func settle(tag: UInt64, multiple: Bool, nacked: Bool) -> Settlement {
        var settlement = Settlement()
        mutateChannel { channel in
            guard let first = channel.inFlight.first?.tag, tag >= first, tag < channel.nextTag else { return }
            func answer(_ entry: Entry) {
                guard let caller = entry.caller else { return }
                channel.waiting -= 1
                let result: Result<Void, AMQPPublisher.Failure> =
                    nacked ? .failure(.nacked) : entry.returned ? .failure(.unroutable) : .success(())
                settlement.completions.append(Completion(caller: caller, result: result))
            }
            if multiple {
                while let entry = channel.inFlight.first, entry.tag <= tag {
                    channel.inFlight.removeFirst()
                    if !entry.settled { answer(entry) }
                }
            } else {
                let index = Int(tag - first)
                guard !channel.inFlight[index].settled else { return }
                answer(channel.inFlight[index])
                channel.inFlight[index].caller = nil
                channel.inFlight[index].settled = true
            }
            while channel.inFlight.first?.settled == true { channel.inFlight.removeFirst() }
        }
        settlement.stop = finishDrainIfDone()
        return settlement
    }

    private func failAll(_ channel: Channel, _ failure: AMQPPublisher.Failure) -> [Completion] {
        channel.inFlight.compactMap { entry in entry.caller.map { Completion(caller: $0, result: .failure(failure)) } }
    }

    /// In `draining`, once nobody waits: stopped. Returns whether it just stopped.
    private mutating func finishDrainIfDone() -> Bool {
        guard case .draining(let channel) = state, channel.waiting == 0 else { return false }
        state = .stopped
        return true
    }

    /// Runs `body` on the channel of a connected or draining publisher without copying its deque.
    private mutating func mutateChannel(_ body: (inout Channel) -> Void) {
        switch state {
        case .connected(var channel):
            state = .modifying
            body(&channel)
            state = .connected(channel)
        case .draining(var channel):
            state = .modifying
            body(&channel)
            state = .draining(channel)
        default:
            return
        }
    }
}
