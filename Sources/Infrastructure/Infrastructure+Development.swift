import Logging
import TableOrderCore
import TableOrderStorage
import TableOrderWorker

extension Infrastructure {
    /// Development mode: SQLite at `TABLEORDER_SQLITE_PATH`, and in-process cache, limiter, pub/sub and
    /// event bus. The worker's consumer runs in this process (`commandConsumer`).
    public static func development(settings: Settings, logger: Logger) async throws -> Infrastructure {
        let sqlite = try await SQLiteEngine.open(path: settings.sqlitePath, logger: logger)
        _ = try await sqlite.migrate()
        return Infrastructure(
            store: SQLStore(engine: sqlite),
            cache: CacheManager(
                store: InMemoryCacheStore(), defaultTTL: settings.cacheTTLSeconds,
                menuTTL: settings.menuCacheTTLSeconds, logger: logger),
            channel: InProcessEventChannel(), bus: InMemoryEventBus(), limiter: InMemoryRateLimiter(), services: [],
            close: { await sqlite.close() })
    }

    /// The worker's consumer over this infrastructure (development mode runs it inside the API).
    public func commandConsumer(logger: Logger, batchSize: Int = 100, prefetch: Int = 300) -> CommandConsumer {
        CommandConsumer(
            processor: CommandProcessor(
                database: store, cache: cache, channel: channel, bus: bus, logger: logger, batchSize: batchSize),
            prefetch: prefetch)
    }
}
