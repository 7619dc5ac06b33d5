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
        do { _ = try settings.requireServices() } catch { configurationFailure(error) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "tableorder-worker")

        let infrastructure = try Infrastructure.production(settings: settings, logger: logger)
        let processor = CommandProcessor(
            database: infrastructure.store, cache: infrastructure.cache, channel: infrastructure.channel,
            bus: infrastructure.bus, logger: logger, batchSize: batchSize)

        let router = Router()
        OperationsRoutes(
            readiness: { await infrastructure.problems() }, registry: registry
        ).register(on: router)
        let metricsServer = Application(
            router: router, configuration: .init(address: .hostname(settings.httpHost, port: settings.workerMetricsPort)),
            logger: logger)

        let consumer = ConsumerService(processor: processor, bus: infrastructure.bus, prefetch: prefetch, logger: logger)
        let janitor = EventLogJanitor(
            database: infrastructure.store, retentionHours: settings.eventRetentionHours, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: infrastructure.services.map { .init(service: $0) } + [
                    .init(service: ClientsShutdown(infrastructure.close)),
                    .init(service: consumer, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: metricsServer),
                    .init(service: janitor),
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
        logger.info("tableorder-worker drained")
    }
}
