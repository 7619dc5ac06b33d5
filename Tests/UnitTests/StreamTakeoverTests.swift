import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
@testable import TableOrderAPI
@testable import TableOrderCore
import Testing

/// `StreamTakeoverHandler` and `StreamServer` on a test channel: the stream's request is answered through
/// the responder off Hummingbird's path, everything else passes by, and a stream that is refused or fails
/// before it goes live is ended and its connection closed.
@Suite struct StreamTakeoverTests {
    /// A channel with the takeover handler, answering the stream's route with `route`.
    static func channel(
        hub: EventHub, route: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) async throws -> NIOAsyncTestingChannel {
        let router = Router(context: AppRequestContext.self)
        router.get(RouterPath(StreamServer.path), use: route)
        let server = StreamServer(responder: router.buildResponder(), logger: Logger(label: "test"))
        let channel = NIOAsyncTestingChannel()
        // Made on the channel's loop: the handler is not Sendable, and is never sent anywhere else.
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(StreamTakeoverHandler(server: server))
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        return channel
    }

    static func head(_ path: String) -> HTTPRequestPart {
        .head(HTTPRequest(method: .get, scheme: nil, authority: nil, path: path))
    }

    /// The parts written until the response ends (or 10 s pass).
    static func response(on channel: NIOAsyncTestingChannel) async throws -> [HTTPResponsePart] {
        var parts: [HTTPResponsePart] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            while let part = try await channel.readOutbound(as: HTTPResponsePart.self) { parts.append(part) }
            if case .end = parts.last { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        return parts
    }

    /// Whether the channel closes within 10 s.
    static func closes(_ channel: NIOAsyncTestingChannel) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while channel.isActive, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        return !channel.isActive
    }

    @Test func otherRequestsPassBy() async throws {
        let channel = try await Self.channel(hub: EventHub()) { _, _ in Response(status: .ok) }
        try await channel.writeInbound(Self.head("/api/admin/orders"))
        let forwarded = try await channel.readInbound(as: HTTPRequestPart.self)
        guard case .head(let head) = forwarded else { Issue.record("not forwarded: \(String(describing: forwarded))"); return }
        #expect(head.path == "/api/admin/orders")
    }

    @Test func aRefusedStreamIsAnsweredAndItsConnectionClosed() async throws {
        let channel = try await Self.channel(hub: EventHub()) { _, _ in throw ServiceError.unauthorized() }
        try await channel.writeInbound(Self.head(StreamServer.path))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil)  // not Hummingbird's
        let parts = try await Self.response(on: channel)
        guard case .head(let head) = parts.first else { Issue.record("no head: \(parts)"); return }
        #expect(head.status == .unauthorized)
        #expect(head.headerFields[.connection] == "close")
        #expect(head.headerFields[.date] != nil)
        guard case .body(let body) = parts.dropFirst().first else { Issue.record("no body: \(parts)"); return }
        #expect(String(buffer: body).contains("UNAUTHORIZED"))
        #expect(try await Self.closes(channel))
    }

    @Test func aStreamThatFailsBeforeGoingLiveIsEndedAndLeavesTheHub() async throws {
        let hub = EventHub()
        let channel = try await Self.channel(hub: hub) { _, context in
            let stream = try #require(context.liveStream)
            return Response(
                status: .ok,
                body: ResponseBody { writer in
                    _ = try await stream.subscribe(
                        to: hub, log: EventLogReader(storeID: "a", reads: EventHubTests.Log([])), owner: .init(userID: "u"))
                    try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                    throw ServiceError.unavailable("the event log cannot be read")
                })
        }
        try await channel.writeInbound(Self.head(StreamServer.path + "?last_event_id=3"))
        let parts = try await Self.response(on: channel)
        #expect(parts.count == 3)  // head, the retry line, end: the client reconnects later
        if case .end = parts.last {} else { Issue.record("not ended: \(parts)") }
        #expect(try await Self.closes(channel))
        #expect(hub.count == 0)
    }

    /// A stream asked for while the server shuts down (its hub closed) is refused with a 503 to retry,
    /// not answered 200 and ended at once.
    @Test func aStreamOpenedAfterTheHubClosedIsRefusedWithA503() async throws {
        let hub = EventHub()
        hub.close()
        let channel = try await Self.channel(hub: hub) { _, context in
            try await StreamResponse.open(
                try #require(context.liveStream), hub: hub,
                log: EventLogReader(storeID: "a", reads: EventHubTests.Log([])), owner: .init(userID: "u"), lastEventID: nil)
        }
        try await channel.writeInbound(Self.head(StreamServer.path))
        let parts = try await Self.response(on: channel)
        guard case .head(let head) = parts.first else { Issue.record("no head: \(parts)"); return }
        #expect(head.status == .serviceUnavailable)
        #expect(head.headerFields[.retryAfter] != nil)
        #expect(head.headerFields[.connection] == "close")
        #expect(try await Self.closes(channel))
        #expect(hub.count == 0)
    }

    /// A log whose newest id is held back until released, to stand in the window between reading where a
    /// stream starts and the client seeing it open.
    final class HeldLog: EventLogReads {
        let log: EventHubTests.Log
        let asked = NIOLockedValueBox(false)
        let released = NIOLockedValueBox(false)
        init(_ log: EventHubTests.Log) { self.log = log }
        func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent] {
            try await log.events(storeID: storeID, after: after, limit: limit)
        }
        func lastEventID(storeID: String) async throws -> Int64 {
            asked.withLockedValue { $0 = true }
            while !released.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
            return try await log.lastEventID(storeID: storeID)
        }
        func oldestEventID(storeID: String) async throws -> Int64? { try await log.oldestEventID(storeID: storeID) }
    }

    /// An admin sees the stream open, then a table orders: that order's event is sent. (The stream used to
    /// read where it starts after its head went out, so the order looked older than the stream.)
    @Test func anEventCommittedOnceTheClientSeesTheStreamOpenIsSent() async throws {
        let hub = EventHub()
        let log = EventHubTests.Log([EventHubTests.event("a", 1)])
        let held = HeldLog(log)
        let channel = try await Self.channel(hub: hub) { _, context in
            try await StreamResponse.open(
                try #require(context.liveStream), hub: hub, log: EventLogReader(storeID: "a", reads: held),
                owner: .init(userID: "u"), lastEventID: nil)
        }
        try await channel.writeInbound(Self.head(StreamServer.path))
        // Wait for the head; the newest id is held until the head is seen, or for 300 ms once asked for.
        var seen: [String] = []
        var askedAt: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(10)
        while !seen.contains("head"), ContinuousClock.now < deadline {
            while let part = try await channel.readOutbound(as: HTTPResponsePart.self) {
                seen += EventHubTests.Connection.describe(part)
            }
            if askedAt == nil, held.asked.withLockedValue({ $0 }) { askedAt = .now }
            if let askedAt, ContinuousClock.now - askedAt > .milliseconds(300) { held.released.withLockedValue { $0 = true } }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(seen == ["head"])
        let order = EventHubTests.event("a", 2)
        log.commit(order)
        hub.dispatch(order)
        held.released.withLockedValue { $0 = true }
        var sent: [String] = []
        let sendDeadline = ContinuousClock.now + .seconds(10)
        while !sent.contains("2"), ContinuousClock.now < sendDeadline {
            while let part = try await channel.readOutbound(as: HTTPResponsePart.self) {
                sent += EventHubTests.Connection.describe(part)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(sent == ["2"])
    }
}

/// Which requests `StreamTakeoverHandler` takes off Hummingbird's path: exactly those the router would
/// send to the stream's route.
@Suite struct StreamTakeoverMatchTests {
    func head(_ method: HTTPRequest.Method, _ path: String) -> HTTPRequest {
        HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
    }

    @Test func takesTheStreamRouteWhateverTheQueryOrEmptySegments() {
        #expect(StreamServer.serves(head(.get, "/api/admin/orders/stream")))
        #expect(StreamServer.serves(head(.get, "/api/admin/orders/stream?last_event_id=4")))
        #expect(StreamServer.serves(head(.get, "//api/admin/orders/stream/")))
    }

    @Test func datesAreHTTPDates() {
        #expect(StreamServer.httpDate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(StreamServer.httpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func leavesEverythingElse() {
        #expect(!StreamServer.serves(head(.post, "/api/admin/orders/stream")))
        #expect(!StreamServer.serves(head(.get, "/api/admin/orders")))
        #expect(!StreamServer.serves(head(.get, "/api/admin/orders/stream/x")))
        #expect(!StreamServer.serves(head(.get, "/api/admin/orders/streams")))
    }
}
