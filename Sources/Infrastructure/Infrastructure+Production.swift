import Logging
import TableOrderCore
import TableOrderStorage

#if canImport(TableOrderBrokers)
import TableOrderBrokers
#endif

extension Infrastructure {
    /// PostgreSQL, Redis (cache, limiter, pub/sub) and RabbitMQ, from the three URLs.
    /// Throws a configuration error in a build without librabbitmq and hiredis (development mode only).
    /// `readReplica`: connect to `DATABASE_READ_URL` too (the API, for reports and history; workers never
    /// read it).
    public static func production(settings: Settings, logger: Logger, readReplica: Bool = false) throws -> Infrastructure {
        #if canImport(TableOrderBrokers)
        let urls = try settings.requireServices()
        let postgres = PostgresEngine(url: urls.database, logger: logger)
        let replica = readReplica ? settings.databaseRead.map { PostgresEngine(url: $0, logger: logger) } : nil
        let redis = RedisClient(url: urls.redis, logger: logger)
        let channel = RedisEventChannel(client: redis, url: urls.redis, logger: logger)
        let bus = RabbitMQEventBus(url: urls.rabbitMQ, logger: logger)
        return Infrastructure(
            store: SQLStore(engine: postgres), replica: replica.map(SQLStore.init(engine:)),
            cache: CacheManager(
                store: RedisCacheStore(client: redis), defaultTTL: settings.cacheTTLSeconds,
                menuTTL: settings.menuCacheTTLSeconds, logger: logger),
            channel: channel, bus: bus, limiter: RedisRateLimiter(client: redis), services: [postgres] + (replica.map { [$0] } ?? []),
            close: {
                channel.shutdown()
                await bus.shutdown()
                redis.shutdown()
            })
        #else
        throw ConfigurationError(
            "ENV", "this build has no RabbitMQ/Redis support: install librabbitmq-dev and libhiredis-dev and rebuild")
        #endif
    }
}
