import TableOrderConnections
import TableOrderCore
import Testing

@Suite("Reconnect state machine")
struct ReconnectStateMachineTests {
    let a = BrokerEndpoint(host: "a", port: 1)
    let b = BrokerEndpoint(host: "b", port: 2)
    let c = BrokerEndpoint(host: "c", port: 3)

    func machine(_ endpoints: [BrokerEndpoint]) -> ReconnectStateMachine {
        ReconnectStateMachine(endpoints: endpoints, backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400)))
    }

    @Test("a failed attempt tries the next host at once, and waits only when every host failed in a row")
    func failedAttemptsRotateThenBackOff() {
        var m = machine([a, b, c])
        #expect(m.start() == .connect(a))
        #expect(m.connectFailed() == .connect(b))
        #expect(m.connectFailed() == .connect(c))
        #expect(m.connectFailed() == .wait(.milliseconds(100)))
        #expect(m.retryTimerFired() == .connect(a))
        #expect(m.connectFailed() == .connect(b))
        #expect(m.connectFailed() == .connect(c))
        #expect(m.connectFailed() == .wait(.milliseconds(200)))
        #expect(m.retryTimerFired() == .connect(a))
        #expect(m.connectFailed() == .connect(b))
        #expect(m.connectFailed() == .connect(c))
        #expect(m.connectFailed() == .wait(.milliseconds(400)))
        #expect(m.retryTimerFired() == .connect(a))
        #expect(m.connectFailed() == .connect(b))
        #expect(m.connectFailed() == .connect(c))
        #expect(m.connectFailed() == .wait(.milliseconds(400)), "capped")
    }

    @Test("one host: every failure waits, longer each time")
    func singleHostBacksOff() {
        var m = machine([a])
        #expect(m.start() == .connect(a))
        #expect(m.connectFailed() == .wait(.milliseconds(100)))
        #expect(m.retryTimerFired() == .connect(a))
        #expect(m.connectFailed() == .wait(.milliseconds(200)))
    }

    @Test("a stable session that is lost moves on to the next host at once, and the backoff starts over")
    func lostStableSessionMovesOn() {
        var m = machine([a, b])
        _ = m.start()
        #expect(m.connectFailed() == .connect(b))
        #expect(m.connectFailed() == .wait(.milliseconds(100)))
        #expect(m.retryTimerFired() == .connect(a))
        #expect(m.opened() == .none)
        m.sessionReady()
        #expect(m.isReady)
        #expect(m.currentEndpoint == a)
        #expect(m.closed(stable: true) == .connect(b))
        #expect(m.connectFailed() == .connect(a))
        #expect(m.connectFailed() == .wait(.milliseconds(100)), "reset by the stable session")
    }

    @Test("a server that drops every session at once is retried with growing waits, not in a loop")
    func flappingSessionsBackOff() {
        var m = machine([a])
        _ = m.start()
        for delay in [100, 200, 400, 400] {
            _ = m.opened()
            m.sessionReady()
            #expect(m.closed(stable: false) == .wait(.milliseconds(delay)))
            #expect(m.retryTimerFired() == .connect(a))
        }
    }

    @Test("a client may start on any host")
    func firstIndex() {
        var m = ReconnectStateMachine(endpoints: [a, b, c], firstIndex: 2)
        #expect(m.start() == .connect(c))
        #expect(m.connectFailed() == .connect(a))
        #expect(ReconnectStateMachine(endpoints: [a], firstIndex: 5).currentEndpoint == a, "out of range: the first")
    }

    @Test("a connection lost during its handshake counts as a failed attempt")
    func lostBeforeReadyIsAFailure() {
        var m = machine([a])
        _ = m.start()
        _ = m.opened()
        #expect(m.closed(stable: false) == .wait(.milliseconds(100)))
        #expect(m.retryTimerFired() == .connect(a))
        _ = m.opened()
        #expect(m.closed(stable: false) == .wait(.milliseconds(200)), "a broker refusing every handshake is not hammered")
    }

    @Test("stop closes an open channel, and a connect that completes after it is closed")
    func stopPaths() {
        var open = machine([a])
        _ = open.start()
        _ = open.opened()
        open.sessionReady()
        #expect(open.stop() == .close)
        #expect(open.closed(stable: true) == .none, "no reconnect after stop")
        #expect(open.isStopped)

        var connecting = machine([a])
        _ = connecting.start()
        #expect(connecting.stop() == .none)
        #expect(connecting.opened() == .close)
        #expect(connecting.closed(stable: false) == .none)

        var failing = machine([a])
        _ = failing.start()
        #expect(failing.stop() == .none)
        #expect(failing.connectFailed() == .none)

        var waiting = machine([a])
        _ = waiting.start()
        _ = waiting.connectFailed()
        #expect(waiting.stop() == .none)
        #expect(waiting.retryTimerFired() == .none, "a timer that fires after stop does nothing")

        var handshaking = machine([a])
        _ = handshaking.start()
        _ = handshaking.opened()
        #expect(handshaking.stop() == .close)
        handshaking.sessionReady()
        #expect(!handshaking.isReady)
        #expect(handshaking.start() == .none, "a stopped machine does not start again")
    }
}
