import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TableOrderConnections
import TableOrderCore
import Testing

/// The supervisor against loopback listeners: real sockets, no broker.
@Suite("Connection supervisor")
struct ConnectionSupervisorTests {
    /// Records what the supervisor told it; "ready" as soon as the transport is up.
    final class RecordingSession: ConnectionSession, @unchecked Sendable {
        let events = NIOLockedValueBox<[String]>([])
        let supervisor = NIOLockedValueBox<ConnectionSupervisor?>(nil)
        let opened = AsyncStream<Int>.makeStream()

        func configure(_ channel: any Channel) throws {}
        func connectionOpened(_ channel: any Channel) {
            let port = channel.remoteAddress?.port ?? -1
            events.withLockedValue { $0.append("opened \(port)") }
            supervisor.withLockedValue { $0 }?.sessionReady()
            opened.continuation.yield(port)
        }
        func connectionClosed() { events.withLockedValue { $0.append("closed") } }
    }

    /// A listener that accepts and keeps its connections, so the test can close them.
    final class Listener: @unchecked Sendable {
        let channel: any Channel
        let accepted = NIOLockedValueBox<[any Channel]>([])
        let port: Int

        init(group: any EventLoopGroup) async throws {
            let accepted = self.accepted
            channel = try await ServerBootstrap(group: group)
                .childChannelInitializer { child in
                    accepted.withLockedValue { $0.append(child) }
                    return child.eventLoop.makeSucceededVoidFuture()
                }
                .bind(host: "127.0.0.1", port: 0).get()
            port = channel.localAddress!.port!
        }

        func dropConnections() async throws {
            for child in accepted.withLockedValue({ $0 }) { try? await child.close() }
        }
    }

    /// A loopback port with nothing listening on it.
    static func closedPort(group: any EventLoopGroup) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    @Test("skips a host that refuses, reconnects to the next after a loss, and stops for good")
    func rotatesReconnectsAndStops() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let first = try await Listener(group: group)
        let second = try await Listener(group: group)
        let refused = try await Self.closedPort(group: group)
        let session = RecordingSession()
        let supervisor = ConnectionSupervisor(
            name: "test",
            endpoints: [
                BrokerEndpoint(host: "127.0.0.1", port: refused), BrokerEndpoint(host: "127.0.0.1", port: first.port),
                BrokerEndpoint(host: "127.0.0.1", port: second.port),
            ],
            security: .plaintext, eventLoop: group.next(), backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(50)),
            startAtRandomHost: false, logger: Logger(label: "test"))
        session.supervisor.withLockedValue { $0 = supervisor }
        supervisor.start(session)
        var opened = session.opened.stream.makeAsyncIterator()
        #expect(await opened.next() == first.port, "the refusing host is skipped")
        #expect(supervisor.isReady)

        try await first.dropConnections()
        #expect(await opened.next() == second.port, "a lost connection moves on to the next host")

        try await supervisor.shutdown().get()
        #expect(!supervisor.isReady)
        try await second.dropConnections()
        try await first.channel.close()
        try await second.channel.close()
        #expect(session.events.withLockedValue { $0 } == ["opened \(first.port)", "closed", "opened \(second.port)", "closed"])
    }

    @Test("a stop while no host answers ends the retries and completes")
    func stopWhileRetrying() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let refused = try await Self.closedPort(group: group)
        let session = RecordingSession()
        let supervisor = ConnectionSupervisor(
            name: "test", endpoints: [BrokerEndpoint(host: "127.0.0.1", port: refused)], security: .plaintext,
            eventLoop: group.next(), backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(5)),
            logger: Logger(label: "test"))
        supervisor.start(session)
        // Waits for the first refusal to be recorded (a loaded machine may take a while to connect at all).
        let deadline = ContinuousClock.now + .seconds(30)
        while !supervisor.lastError.contains("127.0.0.1:\(refused)"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(supervisor.lastError.contains("127.0.0.1:\(refused)"))
        try await supervisor.shutdown().get()
        try await supervisor.shutdown().get()  // twice is fine
        #expect(session.events.withLockedValue { $0 }.isEmpty)
    }
}
