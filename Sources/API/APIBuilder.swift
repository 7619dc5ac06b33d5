import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import TableOrderAuth
import TableOrderCore
import TableOrderHTTP
import TableOrderInfrastructure
import TableOrderWorker

/// Wires the API from configuration: picks the adapters, builds the router, lists the services.
struct APIBuilder {
    let settings: Settings
    let budget: DescriptorBudget
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func build() async throws -> some ApplicationProtocol {
        let logger = self.logger
        var services: [any Service] = []
        var makeIntroduction: (@Sendable (TokenService) async throws -> String)?
        let infrastructure: Infrastructure
        switch settings.mode {
        case .production:
            infrastructure = try Infrastructure.production(settings: settings, logger: logger, readReplica: true)
        case .development:
            infrastructure = try await Infrastructure.development(settings: settings, logger: logger)
            // The worker's consumer and janitor run in this process, on the same code as the daemon's.
            services.append(infrastructure.commandConsumer(logger: logger))
            services.append(
                EventLogJanitor(
                    database: infrastructure.store, retentionHours: settings.eventRetentionHours, logger: logger))
            let setup = DevelopmentSetup(settings: settings, store: infrastructure.store, logger: logger)
            let credentials = try await setup.prepare()
            makeIntroduction = { tokens in try await setup.introduction(credentials: credentials, tokens: tokens) }
        }
        let tokens: TokenService
        if settings.mode == .development && settings.jwtPublicKeyFile == nil {
            tokens = try await DevelopmentSetup.ephemeralTokenService(issuer: settings.jwtIssuer)
        } else {
            tokens = try await KeyFiles.tokenService(settings)
        }

        let hub = EventHub(
            heartbeat: .seconds(Int64(settings.sseHeartbeatSeconds)),
            limits: .init(total: budget.streams, perUser: settings.sseMaxStreamsPerUser))
        try await infrastructure.channel.listen(onEvent: { hub.dispatch($0) }, onResync: { hub.resync() })
        let revocations = RevocationList(reads: infrastructure.store, logger: logger)
        let database = settings.mode == .production ? "postgres" : "sqlite"
        let deps = Dependencies(
            settings: settings, reads: infrastructure.store, replica: infrastructure.replica, cache: infrastructure.cache,
            commands: CommandSender(bus: infrastructure.bus, logger: logger), tokens: tokens, revocations: revocations,
            hub: hub,
            limiter: RateLimitGate(limiter: infrastructure.limiter, failClosed: settings.rateLimitFailClosed, logger: logger),
            readiness: {
                // Until the revocation log is loaded every authenticated request would get 503: not ready,
                // and the database is the reason (it is the only thing the load needs).
                var problems = await infrastructure.problems(logger: logger)
                if !revocations.isLoaded && !problems.contains(where: { $0.hasPrefix(database) }) {
                    problems.append(database)
                }
                if hub.isFull { problems.append("capacity") }  // full of streams: send new clients elsewhere
                return problems
            }, logger: logger,
            requestHashes: RequestHashLookup(reads: infrastructure.store))
        let (router, _) = APIRouter.make(deps: deps, registry: registry)
        // One responder for Hummingbird's connections and for the streams taken off them.
        let responder = router.buildResponder()
        let streams = StreamServer(responder: responder, logger: logger)

        // Connections idle for longer than two heartbeats are closed; headers are bounded (count and size),
        // so a client cannot hold memory or a connection for free.
        let idle = TimeAmount.seconds(Int64(max(60, 2 * settings.sseHeartbeatSeconds)))
        let headerTimeout = TimeAmount.seconds(Int64(settings.headerTimeoutSeconds))
        let connections = ConnectionLimitHandler.Counter(maximum: budget.connections, logger: logger)
        let server = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionLimitHandler(counter: connections),
                    RequestHeadTimeoutHandler(timeout: headerTimeout), StreamTakeoverHandler(server: streams),
                ],
                idleTimeout: idle,
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)))
        var app = Application(
            responder: responder, server: server,
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: nil),
            services: infrastructure.services + [ClientsShutdown(infrastructure.close)] + services
                + [HubTicker(hub: hub), revocations],
            logger: logger)
        let settings = self.settings
        let introduction = makeIntroduction
        app.beforeServerStarts {
            // Its service is already running: give the first load a moment, so the first requests are
            // not refused for it (if the database is slow to answer, they get 503 until it has loaded).
            _ = await revocations.waitUntilLoaded(timeout: .seconds(5))
            logger.info("tableorder-api listening", metadata: ["address": "\(settings.httpHost):\(settings.httpPort)"])
            if let introduction {
                print(try await introduction(tokens))
                fflush(nil)  // all C streams: a newcomer may be reading a pipe or a file
            }
        }
        return app
    }
}
