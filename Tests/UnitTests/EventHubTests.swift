import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing
@testable import TableOrderAPI
@testable import TableOrderCommon

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

        static func open(store: String, hub: EventHub, log: Log, lastSent: Int64) async throws -> Connection {
            let (channel, stream) = try await EventHubTests.newStream()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
            #expect(try await stream.subscribe(to: hub, log: EventLogReader(storeID: store, reads: log)))
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

    /// A test channel with a stream on it, not yet subscribed.
    static func newStream() async throws -> (NIOAsyncTestingChannel, LiveStream) {
        let channel = NIOAsyncTestingChannel()
        let stream = try await channel.eventLoop.submit {
            let grab = Grab()
            try channel.pipeline.syncOperations.addHandler(grab)
            return grab.stream!
        }.get()
        return (channel, stream)
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
        #expect(try await stream.subscribe(to: hub, log: EventLogReader(storeID: "a", reads: log)))
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
        #expect(try await !late.subscribe(to: hub, log: EventLogReader(storeID: "a", reads: Log([]))))
    }

    @Test func aClosedConnectionLeavesTheHub() async throws {
        let hub = EventHub()
        let a = try await Connection.open(store: "a", hub: hub, log: Log([]), lastSent: 0)
        try await a.channel.close()
        _ = try await a.written()
        #expect(hub.count == 0)
    }
}
