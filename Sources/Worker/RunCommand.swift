import ArgumentParser
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import TableOrderCommon
import TableOrderOperations
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Runs the consumer daemon (default).")

    @Option(help: "Commands applied per transaction at most.") var batchSize = 100
    @Option(help: "Unacknowledged commands held at most.") var prefetch = 300

    func run() async throws {
        let settings = loadSettings()
        let urls: (database: PostgresURL, redis: RedisURL, rabbitMQ: AMQPURL)
        do { urls = try settings.requireServices() } catch { configurationFailure(error) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "tableorder-worker")

        let database = PostgresDatabase(url: urls.database, logger: logger)
        let redis = RedisClient(url: urls.redis, logger: logger)
        let cache = CacheManager(
            store: RedisCacheStore(client: redis), defaultTTL: settings.cacheTTLSeconds,
            menuTTL: settings.menuCacheTTLSeconds, logger: logger)
        let channel = RedisEventChannel(client: redis, url: urls.redis, logger: logger)
        let bus = RabbitMQEventBus(url: urls.rabbitMQ, logger: logger)
        let processor = CommandProcessor(
            database: database, cache: cache, channel: channel, bus: bus, logger: logger, batchSize: batchSize)

        let router = Router()
        OperationsRoutes(
            readiness: {
                var problems: [String] = []
                if let p = await database.problem() { problems.append(p) }
                if let p = cache.store.problem { problems.append(p) }
                if let p = bus.problem { problems.append(p) }
                return problems
            }, registry: registry
        ).register(on: router)
        let metricsServer = Application(
            router: router, configuration: .init(address: .hostname(settings.httpHost, port: settings.workerMetricsPort)),
            logger: logger)

        let consumer = ConsumerService(processor: processor, bus: bus, prefetch: prefetch, redis: redis, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: database),
                    .init(service: consumer, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: metricsServer),
                    .init(service: EventLogJanitor(database: database, retentionHours: settings.eventRetentionHours, logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Consumes until graceful shutdown: then stops receiving, finishes and acks the batch in hand, and closes.
struct ConsumerService: Service {
    let processor: CommandProcessor
    let bus: any EventBus
    let prefetch: Int
    let redis: RedisClient
    let logger: Logger

    func run() async throws {
        let subscription = bus.consumeCommands(prefetch: prefetch)
        logger.info("tableorder-worker consuming", metadata: ["queue": "\(Topology.commandQueue)"])
        await withGracefulShutdownHandler {
            await processor.run(subscription)
        } onGracefulShutdown: {
            subscription.stop()
        }
        await Task.detached { subscription.close() }.value
        await bus.shutdown()
        redis.shutdown()
        logger.info("tableorder-worker drained")
    }
}
