import Metrics
import NIOConcurrencyHelpers
import NIOCore
import TableOrderCore

/// This process's fan-out of store events to its open SSE streams.
///
/// It receives every store's events from the `EventChannel` (one subscription per process) and hands each
/// to the streams of that store: framed once and shared by all of them (thousands of streams must not mean
/// thousands of copies), and with one hop per event loop rather than one per stream. It also owns the
/// heartbeat clock: once a second each stream silent for the interval gets `: heartbeat`. After a
/// resubscribe it tells every stream to check the log.
final class EventHub: Sendable {
    private struct State {
        var streams: [String: [ObjectIdentifier: LiveStream]] = [:]
        var perUser: [String: Int] = [:]
        var count = 0
        var closed = false
    }

    /// How many streams this process holds: in all (its descriptors), and per user (v1.1 §8).
    struct Limits: Sendable {
        var total: Int
        var perUser: Int
    }

    /// What `add` did with a stream.
    enum Admission: Equatable {
        case admitted
        /// The hub has closed (shutdown).
        case closed
        /// The pod holds `Limits.total` streams.
        case full
        /// The user holds `Limits.perUser` streams on this pod.
        case userAtLimit
    }

    private let state = NIOLockedValueBox(State())
    private let gauge = Gauge(label: "tableorder_sse_connections")
    private let refused = Counter(label: "tableorder_sse_refused_total", dimensions: [("reason", "pod_full")])
    private let refusedPerUser = Counter(label: "tableorder_sse_refused_total", dimensions: [("reason", "user_limit")])
    let heartbeat: TimeAmount
    let limits: Limits

    init(heartbeat: TimeAmount = .seconds(30), limits: Limits = Limits(total: .max, perUser: .max)) {
        self.heartbeat = heartbeat
        self.limits = limits
    }

    /// Adds a stream of the store for `userID`, unless the hub has closed or a limit is reached.
    func add(_ stream: LiveStream, storeID: String, userID: String) -> Admission {
        let limits = self.limits
        let (admission, count) = state.withLockedValue { state -> (Admission, Int) in
            guard !state.closed else { return (.closed, state.count) }
            guard state.count < limits.total else { return (.full, state.count) }
            guard state.perUser[userID, default: 0] < limits.perUser else { return (.userAtLimit, state.count) }
            state.streams[storeID, default: [:]][ObjectIdentifier(stream)] = stream
            state.perUser[userID, default: 0] += 1
            state.count += 1
            return (.admitted, state.count)
        }
        switch admission {
        case .admitted: gauge.record(count)
        case .full: refused.increment()
        case .userAtLimit: refusedPerUser.increment()
        case .closed: break
        }
        return admission
    }

    func remove(_ stream: LiveStream, storeID: String, userID: String) {
        let count = state.withLockedValue { state -> Int in
            guard state.streams[storeID]?.removeValue(forKey: ObjectIdentifier(stream)) != nil else { return state.count }
            state.count -= 1
            if state.streams[storeID]?.isEmpty == true { state.streams[storeID] = nil }
            let left = state.perUser[userID, default: 1] - 1
            state.perUser[userID] = left > 0 ? left : nil
            return state.count
        }
        gauge.record(count)
    }

    var count: Int { state.withLockedValue { $0.count } }

    /// Whether the pod holds as many streams as it may (`/readyz` then sends new clients elsewhere).
    var isFull: Bool { count >= limits.total }

    func dispatch(_ event: StoreEvent, now: NIODeadline = .now()) {
        let frame = ByteBuffer(string: event.sseFrame)
        let targets = state.withLockedValue { state in state.streams[event.storeID].map { Array($0.values) } ?? [] }
        Self.onTheirLoops(targets) { $0.deliver(event, frame: frame, now: now) }
    }

    /// Tells every stream to check the event log (after the channel resubscribed).
    func resync() {
        Self.onTheirLoops(all) { $0.resync() }
    }

    /// Sends `: heartbeat` to the streams silent for the interval (called once a second by `HubTicker`).
    func tick(now: NIODeadline = .now()) {
        let interval = heartbeat
        Self.onTheirLoops(all) { $0.heartbeat(now: now, interval: interval) }
    }

    /// Ends every stream, and refuses new ones (graceful shutdown).
    func close() {
        let targets = state.withLockedValue { state -> [LiveStream] in
            state.closed = true
            return state.streams.values.flatMap(\.values)
        }
        for stream in targets { stream.end() }
    }

    private var all: [LiveStream] { state.withLockedValue { $0.streams.values.flatMap(\.values) } }

    /// Runs `body` for each stream on the stream's event loop: one task per loop, not per stream.
    private static func onTheirLoops(_ streams: [LiveStream], _ body: @escaping @Sendable (LiveStream) -> Void) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, streams: [LiveStream])] = [:]
        for stream in streams {
            byLoop[ObjectIdentifier(stream.eventLoop), default: (stream.eventLoop, [])].streams.append(stream)
        }
        for (loop, group) in byLoop.values {
            loop.execute { for stream in group { body(stream) } }
        }
    }
}
