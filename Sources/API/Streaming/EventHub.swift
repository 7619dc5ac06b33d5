import Foundation
import Metrics
import NIOConcurrencyHelpers
import TableOrderCommon

/// This process's fan-out of store events to its SSE streams.
///
/// It receives every store's events from the `EventChannel` (one subscription per process) and passes
/// each to the streams of that store. It also ticks once a second, so each stream can send its heartbeat
/// without a timer of its own, and passes on the channel's resync signal after a resubscribe.
final class EventHub: Sendable {
    enum Signal: Sendable {
        case event(StoreEvent)
        /// The subscription was (re)established: events may have been missed, check the log.
        case resync
        case tick
    }

    private struct State {
        var streams: [String: [UUID: AsyncStream<Signal>.Continuation]] = [:]
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let gauge = Gauge(label: "tableorder_sse_connections")

    /// Registers a stream for the store. The returned stream ends when the hub shuts down.
    func subscribe(storeID: String) -> (id: UUID, signals: AsyncStream<Signal>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(10_000))
        let count = state.withLockedValue { state -> Int? in
            guard !state.closed else { return nil }
            state.streams[storeID, default: [:]][id] = continuation
            return state.streams.values.reduce(0) { $0 + $1.count }
        }
        if let count { gauge.record(count) } else { continuation.finish() }
        return (id, stream)
    }

    func unsubscribe(storeID: String, id: UUID) {
        let count = state.withLockedValue { state -> Int in
            state.streams[storeID]?[id] = nil
            if state.streams[storeID]?.isEmpty == true { state.streams[storeID] = nil }
            return state.streams.values.reduce(0) { $0 + $1.count }
        }
        gauge.record(count)
    }

    func dispatch(_ event: StoreEvent) {
        let targets = state.withLockedValue { Array(($0.streams[event.storeID] ?? [:]).values) }
        for continuation in targets { continuation.yield(.event(event)) }
    }

    func broadcast(_ signal: Signal) {
        let targets = state.withLockedValue { $0.streams.values.flatMap(\.values) }
        for continuation in targets { continuation.yield(signal) }
    }

    /// Ends every stream (graceful shutdown).
    func close() {
        let targets = state.withLockedValue { state -> [AsyncStream<Signal>.Continuation] in
            state.closed = true
            defer { state.streams = [:] }
            return state.streams.values.flatMap(\.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
