import Foundation
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import TableOrderCommon

/// This process's fan-out of store events to its SSE streams.
///
/// It receives every store's events from the `EventChannel` (one subscription per process) and passes
/// each to the streams of that store, framed once and shared by all of them (thousands of streams must
/// not mean thousands of copies). It also owns the heartbeat clock: once a second it wakes only the
/// streams that have been silent for the heartbeat interval, so idle streams cost no work in between.
/// After a resubscribe it passes on the channel's resync signal.
final class EventHub: Sendable {
    enum Signal: Sendable {
        /// The event and its SSE frame (contract §8), encoded once for every stream.
        case event(StoreEvent, frame: ByteBuffer)
        /// The subscription was (re)established: events may have been missed, check the log.
        case resync
        /// This stream has sent nothing for the heartbeat interval.
        case heartbeat
    }

    private struct Subscriber {
        var continuation: AsyncStream<Signal>.Continuation
        var lastSignal: ContinuousClock.Instant
    }

    private struct State {
        var streams: [String: [UUID: Subscriber]] = [:]
        var count = 0
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let gauge = Gauge(label: "tableorder_sse_connections")
    let heartbeat: Duration

    init(heartbeat: Duration = .seconds(30)) {
        self.heartbeat = heartbeat
    }

    /// Registers a stream for the store. The returned stream ends when the hub shuts down.
    func subscribe(storeID: String) -> (id: UUID, signals: AsyncStream<Signal>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(10_000))
        let count = state.withLockedValue { state -> Int? in
            guard !state.closed else { return nil }
            state.streams[storeID, default: [:]][id] = Subscriber(continuation: continuation, lastSignal: .now)
            state.count += 1
            return state.count
        }
        if let count { gauge.record(count) } else { continuation.finish() }
        return (id, stream)
    }

    func unsubscribe(storeID: String, id: UUID) {
        let count = state.withLockedValue { state -> Int in
            if state.streams[storeID]?.removeValue(forKey: id) != nil { state.count -= 1 }
            if state.streams[storeID]?.isEmpty == true { state.streams[storeID] = nil }
            return state.count
        }
        gauge.record(count)
    }

    func dispatch(_ event: StoreEvent, now: ContinuousClock.Instant = .now) {
        let signal = Signal.event(event, frame: ByteBuffer(string: event.sseFrame))
        state.withLockedValue { state in
            guard var subscribers = state.streams.removeValue(forKey: event.storeID) else { return }
            for id in subscribers.keys {
                subscribers[id]!.lastSignal = now
                subscribers[id]!.continuation.yield(signal)
            }
            state.streams[event.storeID] = subscribers
        }
    }

    /// Tells every stream to check the event log (after the channel resubscribed).
    func resync() {
        let targets = state.withLockedValue { $0.streams.values.flatMap { $0.values.map(\.continuation) } }
        for continuation in targets { continuation.yield(.resync) }
    }

    /// Sends `.heartbeat` to the streams silent for the interval (called once a second by `HubTicker`).
    func tick(now: ContinuousClock.Instant = .now) {
        state.withLockedValue { state in
            for storeID in Array(state.streams.keys) {
                guard var subscribers = state.streams.removeValue(forKey: storeID) else { continue }
                for (id, subscriber) in subscribers where subscriber.lastSignal.duration(to: now) >= heartbeat {
                    subscribers[id]!.lastSignal = now
                    subscriber.continuation.yield(.heartbeat)
                }
                state.streams[storeID] = subscribers
            }
        }
    }

    /// Ends every stream (graceful shutdown).
    func close() {
        let targets = state.withLockedValue { state -> [AsyncStream<Signal>.Continuation] in
            state.closed = true
            defer {
                state.streams = [:]
                state.count = 0
            }
            return state.streams.values.flatMap { $0.values.map(\.continuation) }
        }
        for continuation in targets { continuation.finish() }
    }
}
