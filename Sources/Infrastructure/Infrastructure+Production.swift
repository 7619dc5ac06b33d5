import Logging
import TableOrderCore
import TableOrderStorage

#if canImport(TableOrderRedis) && canImport(TableOrderRabbitMQ)
import TableOrderConnections
import TableOrderRabbitMQ
import TableOrderRedis
#endif

extension Infrastructure {
    /// PostgreSQL, Redis (cache, limiter, pub/sub) and RabbitMQ, from the three URLs.
    /// Throws a configuration error in a build without librabbitmq and hiredis (development mode only).
    /// `readReplica`: connect to `DATABASE_READ_URL` too (the API, for reports and history; workers never
    /// read it).
    public static func production(settings: Settings, logger: Logger, readReplica: Bool = false) throws -> Infrastructure {
        #if canImport(TableOrderRedis) && canImport(TableOrderRabbitMQ)
        let urls = try settings.requireServices()
        let postgres = PostgresEngine(url: urls.database, trustRootsFile: settings.tlsCAFile, logger: logger)
        let replica = readReplica ? settings.databaseRead.map { PostgresEngine(url: $0, trustRootsFile: settings.tlsCAFile, logger: logger) } : nil
        // One TLS context per service: loading the trusted roots is the costly part.
        func security(_ tls: Bool) throws -> TransportSecurity {
            tls ? try .tls(trustRootsFile: settings.tlsCAFile) : .plaintext
        }
        let redis = RedisClient(
            url: urls.redis, sentinels: settings.redisSentinels, security: try security(urls.redis.tls), logger: logger)
        let channel = RedisEventChannel(client: redis, logger: logger)
        let bus = RabbitMQEventBus(url: urls.rabbitMQ, security: try security(urls.rabbitMQ.tls), logger: logger)
        return Infrastructure(
            store: SQLStore(engine: postgres), replica: replica.map(SQLStore.init(engine:)),
            cache: CacheManager(
                store: RedisCacheStore(client: redis), defaultTTL: settings.cacheTTLSeconds,
                menuTTL: settings.menuCacheTTLSeconds, logger: logger),
            channel: channel, bus: bus, limiter: RedisRateLimiter(client: redis), services: [postgres] + (replica.map { [$0] } ?? []),
            close: {
                channel.shutdown()
                await bus.shutdown()
                await redis.shutdown()
            })
        #else
        throw ConfigurationError(
            "ENV", "this build has no RabbitMQ/Redis support: install librabbitmq-dev and libhiredis-dev and rebuild")
        #endif
    }
}
