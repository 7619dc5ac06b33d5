import Foundation
import NIOCore
import Testing
@testable import TableOrderAPI
@testable import TableOrderCommon

/// The hub sends a store's events to that store's streams only, and heartbeats only to silent streams.
@Suite struct EventHubTests {
    func event(_ store: String, _ id: Int64) -> StoreEvent {
        StoreEvent(storeID: store, id: id, type: "order_created", data: "{\"event_id\":\(id)}")
    }

    /// Everything the stream holds now (the hub yields synchronously, so nothing is in flight).
    func drain(_ signals: AsyncStream<EventHub.Signal>, count: Int) async -> [String] {
        var out: [String] = []
        var iterator = signals.makeAsyncIterator()
        for _ in 0..<count {
            switch await iterator.next() {
            case .event(let event, let frame)?: out.append("event \(event.storeID) \(event.id) \(frame.readableBytes)")
            case .heartbeat?: out.append("heartbeat")
            case .resync?: out.append("resync")
            case nil: out.append("end")
            }
        }
        return out
    }

    @Test func eventsReachOnlyTheirStoreWithOneSharedFrame() async {
        let hub = EventHub(heartbeat: .seconds(30))
        let a1 = hub.subscribe(storeID: "a")
        let a2 = hub.subscribe(storeID: "a")
        let b = hub.subscribe(storeID: "b")
        let sent = event("a", 1)
        hub.dispatch(sent)
        hub.close()
        let frameSize = sent.sseFrame.utf8.count
        #expect(await drain(a1.signals, count: 2) == ["event a 1 \(frameSize)", "end"])
        #expect(await drain(a2.signals, count: 2) == ["event a 1 \(frameSize)", "end"])
        #expect(await drain(b.signals, count: 1) == ["end"])
    }

    @Test func heartbeatsGoOnlyToSilentStreams() async {
        let hub = EventHub(heartbeat: .seconds(30))
        let start = ContinuousClock.now
        let busy = hub.subscribe(storeID: "busy")
        let quiet = hub.subscribe(storeID: "quiet")
        hub.tick(now: start + .seconds(10))  // nobody silent for 30 s yet
        hub.dispatch(event("busy", 1), now: start + .seconds(20))  // so "busy" is not silent at +31 s
        hub.tick(now: start + .seconds(31))
        hub.tick(now: start + .seconds(32))  // the heartbeat just sent counts as a signal
        hub.close()
        #expect(await drain(quiet.signals, count: 2) == ["heartbeat", "end"])
        let busySignals = await drain(busy.signals, count: 2)
        #expect(busySignals.first?.hasPrefix("event busy 1") == true)
        #expect(busySignals.last == "end")
    }
}

/// `Authorization: Bearer <token>` parsing, which every request goes through.
@Suite struct BearerHeaderTests {
    @Test func extractsTheTokenWhateverTheSchemeCaseAndSpacing() {
        #expect(AuthMiddleware.bearerToken("Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(AuthMiddleware.bearerToken("bearer   abc \t") == "abc")
        #expect(AuthMiddleware.bearerToken("BEARER abc") == "abc")
    }

    @Test func refusesOtherSchemesAndEmptyTokens() {
        #expect(AuthMiddleware.bearerToken("Basic abc") == nil)
        #expect(AuthMiddleware.bearerToken("Bearer") == nil)
        #expect(AuthMiddleware.bearerToken("Bearer   ") == nil)
        #expect(AuthMiddleware.bearerToken("abc") == nil)
    }
}
