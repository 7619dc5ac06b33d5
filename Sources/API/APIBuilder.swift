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
        let urls = try settings.requireServices()
        let tokens = try await KeyFiles.tokenService(settings)
        let database = PostgresDatabase(url: urls.database, logger: logger)
        let redis = RedisClient(url: urls.redis, logger: logger)
        let cache = CacheManager(
            store: RedisCacheStore(client: redis), defaultTTL: settings.cacheTTLSeconds,
            menuTTL: settings.menuCacheTTLSeconds, logger: logger)
        let channel = RedisEventChannel(client: redis, url: urls.redis, logger: logger)
        let bus = RabbitMQEventBus(url: urls.rabbitMQ, logger: logger)
        let hub = EventHub()
        try await channel.listen(onEvent: { hub.dispatch($0) }, onResync: { hub.broadcast(.resync) })

        let limiter = RateLimitGate(
            limiter: RedisRateLimiter(client: redis), failClosed: settings.rateLimitFailClosed, logger: logger)
        let deps = Dependencies(
            settings: settings, reads: database, cache: cache, commands: CommandSender(bus: bus, logger: logger),
            tokens: tokens, hub: hub, limiter: limiter,
            readiness: {
                var problems: [String] = []
                if let p = await database.problem() { problems.append(p) }
                if let p = cache.store.problem { problems.append(p) }
                if let p = channel.problem, !problems.contains(p) { problems.append(p) }
                if let p = bus.problem { problems.append(p) }
                return problems
            }, logger: logger)

        let (router, _) = APIRouter.make(deps: deps, registry: registry)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: nil),
            services: [database, HubTicker(hub: hub), ClientsShutdown(redis: redis, channel: channel, bus: bus)],
            logger: logger)
        app.beforeServerStarts {
            logger.info("tableorder-api listening", metadata: ["address": "\(settings.httpHost):\(settings.httpPort)"])
        }
        return app
    }
}

/// Closes the thread-backed clients last, after the server has drained.
struct ClientsShutdown: Service {
    let redis: RedisClient
    let channel: any EventChannel
    let bus: any EventBus

    func run() async throws {
        try? await gracefulShutdown()
        channel.shutdown()
        await bus.shutdown()
        redis.shutdown()
    }
}
