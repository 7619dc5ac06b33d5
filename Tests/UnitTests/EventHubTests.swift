import Foundation
import HTTPTypes
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
@testable import TableOrderAPI
@testable import TableOrderCore
import Testing

/// The hub and its streams: a store's events reach that store's streams only, each event is written
/// once and in order (the log fills gaps), silent streams get heartbeats, and a stream ends cleanly.
@Suite struct EventHubTests {
    static func event(_ store: String, _ id: Int64) -> StoreEvent {
        StoreEvent(storeID: store, id: id, type: "order_created", data: "{\"event_id\":\(id)}")
    }

    /// A store's event log with `events` committed.
    final class Log: EventLogReads {
        let committed: NIOLockedValueBox<[StoreEvent]>
        init(_ events: [StoreEvent]) { committed = NIOLockedValueBox(events) }
        func commit(_ event: StoreEvent) { committed.withLockedValue { $0.append(event) } }
        func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent] {
            committed.withLockedValue { Array($0.filter { $0.storeID == storeID && $0.id > after }.prefix(limit)) }
        }
        func lastEventID(storeID: String) async throws -> Int64 {
            committed.withLockedValue { $0.last(where: { $0.storeID == storeID })?.id ?? 0 }
        }
        func oldestEventID(storeID: String) async throws -> Int64? {
            committed.withLockedValue { $0.first(where: { $0.storeID == storeID })?.id }
        }
    }

    /// A connection whose stream has written its head and replay, up to `lastSent`, and is live.
    struct Connection {
        let channel: NIOAsyncTestingChannel
        let stream: LiveStream

        static func open(store: String, hub: EventHub, log: Log, lastSent: Int64, user: String = "u") async throws
            -> Connection
        {
            let (channel, stream) = try await EventHubTests.newStream()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
            #expect(try await stream.subscribe(to: hub, log: EventLogReader(storeID: store, reads: log), owner: .init(userID: user)) == .admitted)
            try await stream.write(.head(HTTPResponse(status: .ok)))
            try await stream.goLive(lastSent: lastSent)
            _ = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self)  // the head
            return Connection(channel: channel, stream: stream)
        }

        /// The event ids, heartbeats and ends written since the last call: waits (up to 10 s) for `expected`
        /// entries, then a little longer for any surplus.
        func written(_ expected: Int = 0) async throws -> [String] {
            var out: [String] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while true {
                while let part = try await channel.readOutbound(as: HTTPResponsePart.self) { out += Self.describe(part) }
                if out.count >= expected || ContinuousClock.now > deadline { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(20))
            try await channel.eventLoop.submit {}.get()
            while let part = try await channel.readOutbound(as: HTTPResponsePart.self) { out += Self.describe(part) }
            return out
        }

        static func describe(_ part: HTTPResponsePart) -> [String] {
            switch part {
            case .head: return ["head"]
            case .end: return ["end"]
            case .body(let buffer):
                let text = String(buffer: buffer)
                if text == ": heartbeat\n\n" { return ["heartbeat"] }
                return text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
            }
        }
    }

    /// A test channel with a stream on it, not yet subscribed. With `stalled`, nothing written ever
    /// completes (a client that stopped reading, its socket buffers full).
    static func newStream(stalled: Bool = false) async throws -> (NIOAsyncTestingChannel, LiveStream) {
        let channel = NIOAsyncTestingChannel()
        let stream = try await channel.eventLoop.submit {
            if stalled { try channel.pipeline.syncOperations.addHandler(HoldWrites()) }
            let grab = Grab()
            try channel.pipeline.syncOperations.addHandler(grab)
            return grab.stream!
        }.get()
        return (channel, stream)
    }

    /// Keeps every write pending: a socket whose peer does not read. Closing fails them, as NIO does.
    final class HoldWrites: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var held: [EventLoopPromise<Void>] = []
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if let promise { held.append(promise) }
        }
        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            for promise in held { promise.fail(ChannelError.ioOnClosedChannel) }
            held = []
            context.close(mode: mode, promise: promise)
        }
    }

    /// Stands in for `StreamTakeoverHandler`: makes the stream, and tells it when the connection is gone.
    final class Grab: ChannelInboundHandler {
        typealias InboundIn = Never
        var stream: LiveStream?
        func handlerAdded(context: ChannelHandlerContext) { stream = LiveStream(context: context) }
        func channelInactive(context: ChannelHandlerContext) { stream?.closed() }
    }

    @Test func eventsReachOnlyTheirStoreOnceAndInOrder() async throws {
        let hub = EventHub()
        let log = Log((1...5).map { Self.event("a", $0) })
        let a = try await Connection.open(store: "a", hub: hub, log: log, lastSent: 1)
        let b = try await Connection.open(store: "b", hub: hub, log: log, lastSent: 0)
        hub.dispatch(Self.event("a", 2))
        hub.dispatch(Self.event("a", 2))  // a repeat is dropped
        #expect(try await a.written(1) == ["2"])
        hub.dispatch(Self.event("a", 5))  // 3 and 4 were missed: read from the log, in order
        #expect(try await a.written(3) == ["3", "4", "5"])
        hub.dispatch(Self.event("a", 4))
        #expect(try await a.written() == [])
        #expect(try await b.written() == [])
        #expect(hub.count == 2)
    }

    @Test func aResubscribeReadsTheLog() async throws {
        let hub = EventHub()
        let log = Log([Self.event("a", 1)])
        let a = try await Connection.open(store: "a", hub: hub, log: log, lastSent: 1)
        log.commit(Self.event("a", 2))  // its pub/sub message was lost
        hub.resync()
        #expect(try await a.written(1) == ["2"])
    }

    @Test func anEventSignalledDuringTheReplayIsNotLost() async throws {
        let hub = EventHub()
        let log = Log([Self.event("a", 1)])
        let (channel, stream) = try await Self.newStream()
        #expect(try await stream.subscribe(to: hub, log: EventLogReader(storeID: "a", reads: log), owner: .init(userID: "u")) == .admitted)
        try await stream.write(.head(HTTPResponse(status: .ok)))
        // The replay read the log up to 1; event 2 commits and is signalled before the stream is live.
        log.commit(Self.event("a", 2))
        hub.dispatch(Self.event("a", 2))
        try await stream.goLive(lastSent: 1)
        #expect(try await Connection(channel: channel, stream: stream).written(2) == ["head", "2"])
    }

    @Test func heartbeatsGoOnlyToSilentStreams() async throws {
        let hub = EventHub(heartbeat: .seconds(30))
        let log = Log([])
        let busy = try await Connection.open(store: "busy", hub: hub, log: log, lastSent: 0)
        let quiet = try await Connection.open(store: "quiet", hub: hub, log: log, lastSent: 0)
        let start = NIODeadline.now()  // both streams last wrote (their heads) just before
        hub.tick(now: start + .seconds(10))
        #expect(try await quiet.written() == [])  // not silent for 30 s yet
        hub.dispatch(Self.event("busy", 1), now: start + .seconds(20))
        #expect(try await busy.written(1) == ["1"])
        hub.tick(now: start + .seconds(31))
        #expect(try await quiet.written(1) == ["heartbeat"])
        #expect(try await busy.written() == [])  // wrote 11 s before
        hub.tick(now: start + .seconds(32))
        #expect(try await quiet.written() == [])  // the heartbeat counts as a write
    }

    @Test func aClientThatStopsReadingIsDisconnected() async throws {
        let hub = EventHub()
        let a = try await Connection.open(store: "a", hub: hub, log: Log([]), lastSent: 0)
        try await a.channel.eventLoop.submit { a.channel.isWritable = false }.get()
        hub.dispatch(Self.event("a", 1))
        #expect(try await a.written(1) == ["end"])
        #expect(!a.channel.isActive)
        #expect(hub.count == 0)
    }

    @Test func closingTheHubEndsEveryStreamAndRefusesNewOnes() async throws {
        let hub = EventHub()
        let a = try await Connection.open(store: "a", hub: hub, log: Log([]), lastSent: 0)
        hub.close()
        #expect(try await a.written(1) == ["end"])
        #expect(hub.count == 0)
        let (_, late) = try await Self.newStream()
        #expect(try await late.subscribe(to: hub, log: EventLogReader(storeID: "a", reads: Log([])), owner: .init(userID: "u")) == .closed)
    }

    @Test func aClosedConnectionLeavesTheHub() async throws {
        let hub = EventHub()
        let a = try await Connection.open(store: "a", hub: hub, log: Log([]), lastSent: 0)
        try await a.channel.close()
        _ = try await a.written()
        #expect(hub.count == 0)
    }

    // MARK: Limits and stalled clients (v1.1 §8, SSE_MAX_STREAMS and SSE_MAX_STREAMS_PER_USER)

    @Test func aUserHoldsAtMostItsLimitAndAPodAtMostItsOwn() async throws {
        let hub = EventHub(limits: .init(total: 3, perUser: 2))
        let log = EventLogReader(storeID: "a", reads: Log([]))
        var streams: [LiveStream] = []
        for _ in 0..<4 { streams.append(try await Self.newStream().1) }
        #expect(try await streams[0].subscribe(to: hub, log: log, owner: .init(userID: "ann")) == .admitted)
        #expect(try await streams[1].subscribe(to: hub, log: log, owner: .init(userID: "ann")) == .admitted)
        #expect(try await streams[2].subscribe(to: hub, log: log, owner: .init(userID: "ann")) == .userAtLimit)
        #expect(try await streams[2].subscribe(to: hub, log: log, owner: .init(userID: "bob")) == .admitted)
        #expect(hub.isFull)
        #expect(try await streams[3].subscribe(to: hub, log: log, owner: .init(userID: "cy")) == .full)
        // A stream that ends gives its place back, to its user and to the pod.
        streams[0].end()
        try await streams[0].eventLoop.submit {}.get()
        #expect(hub.count == 2)
        #expect(!hub.isFull)
        #expect(try await streams[3].subscribe(to: hub, log: log, owner: .init(userID: "ann")) == .admitted)
    }

    @Test func aStreamWhoseTokenEndedIsClosedByTheNextTick() async throws {
        let hub = EventHub()
        let authorized = NIOLockedValueBox(true)
        let (channel, stream) = try await Self.newStream()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        let owner = LiveStream.Owner(userID: "u") { authorized.withLockedValue { $0 } }
        #expect(try await stream.subscribe(to: hub, log: EventLogReader(storeID: "a", reads: Log([])), owner: owner) == .admitted)
        try await stream.goLive(lastSent: 0)
        hub.tick()
        try await channel.eventLoop.submit {}.get()
        #expect(hub.count == 1)
        authorized.withLockedValue { $0 = false }  // logged out, its password reset, or expired
        hub.tick()
        try await channel.eventLoop.submit {}.get()
        #expect(hub.count == 0)
        #expect(!channel.isActive)
    }

    @Test func aLiveStreamWhoseWritesWaitTwoHeartbeatsIsClosed() async throws {
        let hub = EventHub(heartbeat: .seconds(30))
        let (channel, stream) = try await Self.newStream(stalled: true)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        #expect(try await stream.subscribe(to: hub, log: EventLogReader(storeID: "a", reads: Log([])), owner: .init(userID: "u")) == .admitted)
        let start = NIODeadline.now()  // the write waits from a moment after this
        let head = Task { try await stream.write(.head(HTTPResponse(status: .ok))) }
        try await Self.waitUntilHeld(channel)
        hub.tick(now: start + .seconds(59))
        try await channel.eventLoop.submit {}.get()
        #expect(hub.count == 1)  // waiting, but not yet for two intervals
        hub.tick(now: .now() + .seconds(61))
        try await channel.eventLoop.submit {}.get()
        #expect(hub.count == 0)
        #expect(!channel.isActive)
        #expect(await Self.outcome(of: head, within: .seconds(10)) == "failed")
    }

    @Test func aReplayWhoseClientStoppedReadingIsClosed() async throws {
        // The replay is written before the stream goes live: its write waits, and the task answering the
        // request with it; the hub's clock ends both.
        let hub = EventHub(heartbeat: .seconds(1))
        let log = Log((1...3).map { Self.event("a", $0) })
        let (channel, stream) = try await Self.newStream(stalled: true)
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        let reader = EventLogReader(storeID: "a", reads: log)
        let replay = Task {
            let response = try await StreamResponse.open(stream, hub: hub, log: reader, owner: .init(userID: "u"), lastEventID: 0)
            try await stream.write(.head(response.head))
            try await response.body.write(LiveStreamBodyWriter(stream: stream))
        }
        try await Self.waitUntilHeld(channel)
        #expect(hub.count == 1)
        hub.tick(now: .now() + .seconds(3))
        #expect(await Self.outcome(of: replay, within: .seconds(10)) == "failed")
        #expect(hub.count == 0)
        #expect(!channel.isActive)
    }

    /// Waits until the stalled channel holds a write (the stream's task is on the channel's loop).
    static func waitUntilHeld(_ channel: NIOAsyncTestingChannel) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await channel.eventLoop.submit({
            try channel.pipeline.syncOperations.handler(type: HoldWrites.self).held.isEmpty
        }).get() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// "finished", "failed", or "pending" if `task` is still running after `timeout` (a test of a write
    /// that must fail would otherwise wait for ever on a server that never ends it).
    static func outcome(of task: Task<Void, any Error>, within timeout: Duration) async -> String {
        let waiting = NIOLockedValueBox<CheckedContinuation<String, Never>?>(nil)
        @Sendable func answer(_ outcome: String) {
            waiting.withLockedValue { continuation in
                continuation?.resume(returning: outcome)
                continuation = nil
            }
        }
        return await withCheckedContinuation { continuation in
            waiting.withLockedValue { $0 = continuation }
            Task {
                do {
                    try await task.value
                    answer("finished")
                } catch {
                    answer("failed")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                answer("pending")
            }
        }
    }

    @Test func writesThatCompleteKeepAStreamOpen() async throws {
        let hub = EventHub(heartbeat: .seconds(1))
        let a = try await Connection.open(store: "a", hub: hub, log: Log([]), lastSent: 0)
        hub.dispatch(Self.event("a", 1))
        #expect(try await a.written(1) == ["1"])
        hub.tick(now: .now() + .seconds(10))
        #expect(try await a.written(1) == ["heartbeat"])  // silent, so a heartbeat; nothing waits, so open
        #expect(hub.count == 1)
    }
}
