import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TableOrderCore

/// Keeps one protocol session connected: opens NIO channels to the hosts in turn (TLS in front when
/// asked), hands each to the session, and reconnects with backoff when one closes, as
/// `ReconnectStateMachine` decides. All its state lives on one event loop; its methods may be called
/// from anywhere.
public final class ConnectionSupervisor: @unchecked Sendable {
    /// Turns the host the state machine chose into the host to connect to (Redis Sentinel: a sentinel
    /// into the primary it names). A failure counts as a failed attempt on that host.
    public typealias Resolver = @Sendable (BrokerEndpoint, any EventLoop) -> EventLoopFuture<BrokerEndpoint>

    public let eventLoop: any EventLoop
    private let name: String
    private let security: TransportSecurity
    private let connectTimeout: TimeAmount
    private let resolve: Resolver?
    private let logger: Logger
    /// Read from any thread (readiness checks); written on the event loop.
    private let status = NIOLockedValueBox((ready: false, lastError: "not yet connected"))

    // Event loop only.
    private var machine: ReconnectStateMachine
    private var session: (any ConnectionSession)?
    private var channel: (any Channel)?
    private var retryTask: Scheduled<Void>?
    /// A connection attempt (resolve, TCP, TLS) is under way.
    private var attemptInFlight = false
    private var stopped: EventLoopPromise<Void>?
    private var stopCompleted = false
    /// The first failed attempt after a ready session (or at start) is a warning; the retries that follow
    /// are debug, so a long outage does not flood the log.
    private var failureLogged = false
    /// When the session became ready: one that ends sooner than `minimumStableSession` counts as a failed
    /// attempt (a server that drops every session at once is retried with backoff, not in a loop).
    private var readySince: NIODeadline?
    static let minimumStableSession = TimeAmount.seconds(2)

    public init(
        name: String, endpoints: [BrokerEndpoint], security: TransportSecurity, eventLoop: any EventLoop,
        connectTimeout: Duration = .seconds(2), backoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(3)),
        resolve: Resolver? = nil, startAtRandomHost: Bool = true, logger: Logger
    ) {
        self.name = name
        self.security = security
        self.eventLoop = eventLoop
        self.connectTimeout = TimeAmount(connectTimeout)
        self.resolve = resolve
        self.logger = logger
        self.machine = ReconnectStateMachine(
            endpoints: endpoints, backoff: backoff, firstIndex: startAtRandomHost ? Int.random(in: 0..<max(endpoints.count, 1)) : 0)
    }

    /// Whether the session is connected and past its handshake.
    public var isReady: Bool { status.withLockedValue { $0.ready } }
    /// Why it is not (the last connection error), for `/readyz` and logs.
    public var lastError: String { status.withLockedValue { $0.lastError } }

    /// Starts connecting, for this session.
    public func start(_ session: any ConnectionSession) {
        onLoop {
            precondition(self.session == nil, "a supervisor runs one session")
            self.session = session
            self.run(self.machine.start())
        }
    }

    /// The session's handshake is done: the host works.
    public func sessionReady() {
        onLoop {
            self.machine.sessionReady()
            if self.machine.isReady {
                self.readySince = .now()
                self.failureLogged = false
                self.status.withLockedValue { $0 = (ready: true, lastError: "") }
                self.logger.info("connected", metadata: ["client": "\(self.name)", "host": "\(self.machine.currentEndpoint)"])
            }
        }
    }

    /// Records why the connection is failing or failed, for `lastError`. Of the reasons given while a session
    /// is ready, the first is kept (later ones tend to be its consequences); between sessions, the latest.
    public func record(_ error: String) {
        status.withLockedValue {
            if !$0.ready || $0.lastError.isEmpty { $0.lastError = error }
        }
    }

    /// Stops reconnecting and closes the channel; completes once it is closed.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            if let stopped = self.stopped { return stopped.futureResult }
            let promise = self.eventLoop.makePromise(of: Void.self)
            self.stopped = promise
            self.retryTask?.cancel()
            self.retryTask = nil
            self.status.withLockedValue { $0.ready = false }
            if case .close = self.machine.stop(), let channel = self.channel {
                channel.close(promise: nil)  // `closed(_:)` completes the promise
            }
            self.completeStopIfIdle()
            return promise.futureResult
        }
    }

    // MARK: - Event loop only

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }

    private func run(_ action: ReconnectStateMachine.Action) {
        switch action {
        case .connect(let endpoint):
            connect(endpoint)
        case .wait(let delay):
            logger.debug("waiting before reconnecting", metadata: ["client": "\(name)", "delay": "\(delay)"])
            retryTask = eventLoop.scheduleTask(in: TimeAmount(delay)) {
                self.retryTask = nil
                self.run(self.machine.retryTimerFired())
            }
        case .close:
            channel?.close(promise: nil)
        case .none:
            break
        }
    }

    private func connect(_ endpoint: BrokerEndpoint) {
        attemptInFlight = true
        let target = resolve.map { $0(endpoint, eventLoop) } ?? eventLoop.makeSucceededFuture(endpoint)
        target.flatMap { host in self.open(host) }.hop(to: eventLoop).whenComplete { result in
            self.attemptInFlight = false
            switch result {
            case .success(let channel):
                self.opened(channel)
            case .failure(let error):
                self.record("\(endpoint): \(error)")
                self.logFailedAttempt(endpoint)
                self.run(self.machine.connectFailed())
                self.completeStopIfIdle()
            }
        }
    }

    private func logFailedAttempt(_ endpoint: BrokerEndpoint) {
        let metadata: Logger.Metadata = ["client": "\(name)", "host": "\(endpoint)", "error": "\(lastError)"]
        if failureLogged {
            logger.debug("cannot connect", metadata: metadata)
        } else {
            failureLogged = true
            logger.warning("cannot connect; retrying with backoff", metadata: metadata)
        }
    }

    private func open(_ endpoint: BrokerEndpoint) -> EventLoopFuture<any Channel> {
        let security = self.security
        let session = self.session!
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                do {
                    try security.addHandlers(to: channel, host: endpoint.host)
                    try session.configure(channel)
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
    }

    private func opened(_ channel: any Channel) {
        let action = machine.opened()
        self.channel = channel
        channel.closeFuture.whenComplete { _ in self.closed(channel) }
        if case .close = action {
            channel.close(promise: nil)
            return
        }
        session?.connectionOpened(channel)
    }

    private func closed(_ channel: any Channel) {
        guard self.channel === channel else { return }
        self.channel = nil
        let wasReady = machine.isReady
        let host = machine.currentEndpoint
        status.withLockedValue {
            $0.ready = false
            if $0.lastError.isEmpty { $0.lastError = "the connection to \(host) closed" }
        }
        if wasReady {
            logger.warning("connection lost", metadata: ["client": "\(name)", "host": "\(host)", "error": "\(lastError)"])
        } else if !machine.isStopped {
            logFailedAttempt(host)  // closed during TLS or the protocol's handshake
        }
        session?.connectionClosed()
        let stable = readySince.map { NIODeadline.now() - $0 >= Self.minimumStableSession } ?? false
        readySince = nil
        run(machine.closed(stable: stable))
        completeStopIfIdle()
    }

    private func completeStopIfIdle() {
        guard machine.isStopped, channel == nil, !attemptInFlight, !stopCompleted, let stopped else { return }
        stopCompleted = true
        session = nil  // the session holds the supervisor: end the cycle
        stopped.succeed()
    }
}

