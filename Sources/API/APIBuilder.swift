import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import TableOrderCommon
import TableOrderOperations

/// Wires the API from configuration: picks the adapters, builds the router, lists the services.
struct APIBuilder {
    let settings: Settings
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func build() async throws -> some ApplicationProtocol {
        guard settings.mode == .production || settings.database != nil else {
            throw ConfigurationError(
                "ENV", "development mode without services is not available yet; set ENV=production with "
                    + "DATABASE_URL, REDIS_URL and RABBITMQ_URL")
        }
        let infrastructure = try Infrastructure.production(settings: settings, logger: logger)
        let tokens = try await KeyFiles.tokenService(settings)
        let hub = EventHub()
        try await infrastructure.channel.listen(onEvent: { hub.dispatch($0) }, onResync: { hub.broadcast(.resync) })
        let deps = Dependencies(
            settings: settings, reads: infrastructure.store, cache: infrastructure.cache,
            commands: CommandSender(bus: infrastructure.bus, logger: logger), tokens: tokens, hub: hub,
            limiter: RateLimitGate(limiter: infrastructure.limiter, failClosed: settings.rateLimitFailClosed, logger: logger),
            readiness: { await infrastructure.problems() }, logger: logger)
        let (router, _) = APIRouter.make(deps: deps, registry: registry)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: nil),
            services: infrastructure.services + [HubTicker(hub: hub), ClientsShutdown(infrastructure.close)],
            logger: logger)
        app.beforeServerStarts {
            logger.info("tableorder-api listening", metadata: ["address": "\(settings.httpHost):\(settings.httpPort)"])
        }
        return app
    }
}
