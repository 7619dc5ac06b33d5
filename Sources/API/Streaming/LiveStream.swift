import HTTPTypes
import Metrics
import NIOCore
import NIOHTTPTypes
import TableOrderCore

/// One admin's (or, v1.1, one table's) SSE connection, served from its channel's event loop.
///
/// An open stream is these few fields and an entry in the hub: no task waits for its events, so thousands
/// of streams cost little more than their sockets. The hub hands each event to the stream on the stream's
/// own event loop; the stream writes the shared frame when it is the next id, drops one it has sent, and
/// reads the log when ids are missing (lost pub/sub messages, a resubscribe), so every event is sent once
/// and ids strictly increase. A client that stops reading is disconnected rather than buffered for: it
/// comes back with `Last-Event-ID` and the log replays what it missed.
final class LiveStream: Sendable {
    let eventLoop: any EventLoop
    let channel: any Channel
    private let state: NIOLoopBoundBox<State>

    static let heartbeatFrame = ByteBuffer(string: ": heartbeat\n\n")
    private static let stalled = Counter(label: "tableorder_sse_stalled_closed_total")

    private enum Phase {
        /// The request is still being answered (the replay); `newest` is the highest id signalled meanwhile.
        case opening(newest: Int64)
        case live
        /// The log is being read; `again` if more was signalled since the read began.
        case filling(again: Bool)
        case ended
    }

    /// Whose stream it is: the user it counts against, and whether their token still holds (a stream outlives
    /// the request that opened it; a token revoked or expired since must end it too, v1.1 §3).
    struct Owner: Sendable {
        var userID: String
        var isStillAuthorized: @Sendable () -> Bool = { true }
    }

    private struct Subscription {
        let log: EventLogReader
        let hub: EventHub
        let owner: Owner
    }

    private struct State {
        var context: ChannelHandlerContext?
        var phase = Phase.opening(newest: 0)
        var subscription: Subscription?
        var headWritten = false
        /// The newest event id this stream has passed: sent, or (a table's stream) not its to send.
        var lastSent: Int64 = 0
        var lastWrite = NIODeadline.now()
        /// Writes handed to the channel and not yet completed, and when one last completed (or, from
        /// idle, was handed over): a client that stopped reading shows as no progress with writes waiting.
        var pendingWrites = 0
        var lastProgress = NIODeadline.now()
    }

    /// On the channel's event loop, from the handler that took the connection over.
    init(context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
        channel = context.channel
        state = NIOLoopBoundBox(State(context: context), eventLoop: context.eventLoop)
    }

    // MARK: Opening (called from the task answering the request)

    /// Writes a part of the response and waits until it is written (back-pressure for replays).
    func write(_ part: HTTPResponsePart) async throws {
        try await eventLoop.flatSubmit { self.writeNow(part) }.get()
    }

    /// Joins the hub before the log is read, so nothing committed in between is missed; `.closed` if the
    /// stream or the hub has already ended, or the hub's refusal when a limit is reached.
    func subscribe(to hub: EventHub, log: EventLogReader, owner: Owner) async throws -> EventHub.Admission {
        try await eventLoop.submit {
            guard case .opening = self.state.value.phase else { return .closed }
            let admission = hub.add(self, storeID: log.storeID, userID: owner.userID)
            if admission == .admitted { self.state.value.subscription = Subscription(log: log, hub: hub, owner: owner) }
            return admission
        }.get()
    }

    /// The replay is written: from here events are written as they come.
    func goLive(lastSent: Int64) async throws {
        try await eventLoop.submit {
            guard case .opening(let newest) = self.state.value.phase else { return }
            self.state.value.lastSent = lastSent
            self.state.value.phase = .live
            if newest > lastSent { self.startFill() }
        }.get()
    }

    /// Whether the stream went live (a request that failed or was refused before that is to be ended).
    var isLive: Bool {
        get async {
            let live = try? await eventLoop.submit { () -> Bool in
                switch self.state.value.phase {
                case .live, .filling: true
                case .opening, .ended: false
                }
            }.get()
            return live ?? false
        }
    }

    /// Ends the response and closes the connection (shutdown, a failed read, a client that stopped reading).
    func end() {
        eventLoop.execute { self.endNow() }
    }

    // MARK: Live (called on the event loop by the hub and the handler)

    func deliver(_ event: StoreEvent, frame: ByteBuffer, now: NIODeadline) {
        switch state.value.phase {
        case .ended:
            return
        case .opening(let newest):
            state.value.phase = .opening(newest: max(newest, event.id))
        case .filling:
            if event.id > state.value.lastSent { state.value.phase = .filling(again: true) }
        case .live:
            let lastSent = state.value.lastSent
            if event.id <= lastSent { return }
            guard event.id == lastSent + 1 else { return startFill() }
            state.value.lastSent = event.id
            if state.value.subscription?.log.shows(event) ?? true { send(frame, now: now) }
        }
    }

    /// The subscription was re-established: events may have been missed, so read the log.
    func resync() {
        switch state.value.phase {
        case .ended: return
        case .opening: state.value.phase = .opening(newest: .max)
        case .filling: state.value.phase = .filling(again: true)
        case .live: startFill()
        }
    }

    /// Writes `: heartbeat` if nothing was written for `interval`; ends a stream whose writes have waited
    /// two intervals (v1.1 §8), whether it is replaying or live: its client stopped reading, and keeping it
    /// would pin its buffers (and, while opening, its replay page and task) for as long as the client likes.
    func heartbeat(now: NIODeadline, interval: TimeAmount) {
        if let owner = state.value.subscription?.owner, !owner.isStillAuthorized() { return endNow() }
        if state.value.pendingWrites > 0, now - state.value.lastProgress >= interval * 2 {
            LiveStream.stalled.increment()
            return endNow()
        }
        switch state.value.phase {
        case .live, .filling:
            if now - state.value.lastWrite >= interval { send(Self.heartbeatFrame, now: now) }
        case .opening, .ended:
            return
        }
    }

    /// The connection is gone.
    func closed() {
        state.value.context = nil
        endNow()
    }

    // MARK: Internals (on the event loop)

    private var hasEnded: Bool {
        if case .ended = state.value.phase { return true }
        return false
    }

    private func writeNow(_ part: HTTPResponsePart) -> EventLoopFuture<Void> {
        guard let context = state.value.context, !hasEnded else {
            return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        if case .head = part { state.value.headWritten = true }
        let now = NIODeadline.now()
        state.value.lastWrite = now
        let promise = eventLoop.makePromise(of: Void.self)
        track(promise.futureResult, now: now)
        context.writeAndFlush(NIOAny(part), promise: promise)
        return promise.futureResult
    }

    /// Counts a write until it completes (see `heartbeat`). On the event loop.
    private func track(_ write: EventLoopFuture<Void>, now: NIODeadline) {
        if state.value.pendingWrites == 0 { state.value.lastProgress = now }
        state.value.pendingWrites += 1
        write.whenComplete { _ in
            self.state.value.pendingWrites -= 1
            self.state.value.lastProgress = .now()
        }
    }

    private func send(_ frame: ByteBuffer, now: NIODeadline) {
        guard let context = state.value.context else { return }
        // Past the channel's high-water mark the client is not keeping up; the log will catch it up.
        guard context.channel.isWritable else { return endNow() }
        state.value.lastWrite = now
        let promise = eventLoop.makePromise(of: Void.self)
        track(promise.futureResult, now: now)
        context.writeAndFlush(NIOAny(HTTPResponsePart.body(frame)), promise: promise)
    }

    private func startFill() {
        guard let log = state.value.subscription?.log else { return endNow() }
        state.value.phase = .filling(again: false)
        let after = state.value.lastSent
        Task { await self.fill(after: after, log: log) }
    }

    private func fill(after: Int64, log: EventLogReader) async {
        var last = after
        do {
            while true {
                let (frames, reached, more) = try await log.page(after: last)
                if let frames { try await write(.body(frames)) }
                last = reached
                if !more { break }
            }
        } catch {
            return end()
        }
        let reached = last
        eventLoop.execute {
            guard case .filling(let again) = self.state.value.phase else { return }
            self.state.value.lastSent = reached
            self.state.value.phase = .live
            if again { self.startFill() }
        }
    }

    private func endNow() {
        guard !hasEnded else { return }
        state.value.phase = .ended
        if let subscription = state.value.subscription {
            subscription.hub.remove(self, storeID: subscription.log.storeID, userID: subscription.owner.userID)
        }
        guard let context = state.value.context else { return }
        state.value.context = nil
        if state.value.headWritten { context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil) }
        context.close(promise: nil)
    }
}
