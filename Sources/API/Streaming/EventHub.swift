import Metrics
import NIOConcurrencyHelpers
import NIOCore
import TableOrderCommon

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
        var count = 0
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let gauge = Gauge(label: "tableorder_sse_connections")
    let heartbeat: TimeAmount

    init(heartbeat: TimeAmount = .seconds(30)) {
        self.heartbeat = heartbeat
    }

    /// Adds a stream of the store; false once the hub has closed.
    func add(_ stream: LiveStream, storeID: String) -> Bool {
        let count = state.withLockedValue { state -> Int? in
            guard !state.closed else { return nil }
            state.streams[storeID, default: [:]][ObjectIdentifier(stream)] = stream
            state.count += 1
            return state.count
        }
        guard let count else { return false }
        gauge.record(count)
        return true
    }

    func remove(_ stream: LiveStream, storeID: String) {
        let count = state.withLockedValue { state -> Int in
            if state.streams[storeID]?.removeValue(forKey: ObjectIdentifier(stream)) != nil { state.count -= 1 }
            if state.streams[storeID]?.isEmpty == true { state.streams[storeID] = nil }
            return state.count
        }
        gauge.record(count)
    }

    var count: Int { state.withLockedValue { $0.count } }

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
