import ArgumentParser
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import TableOrderCore
import TableOrderHTTP
import TableOrderInfrastructure
import TableOrderWorker
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Runs the consumer daemon (default).")

    @Option(help: "Commands applied per transaction at most.") var batchSize = 250
    @Option(help: "Unacknowledged commands held at most.") var prefetch = 750

    func run() async throws {
        // Async code runs on the event loops PostgresNIO already uses; blocking work has threads of its own.
        let openFiles = DescriptorBudget.raiseOpenFileLimit()
        let onEventLoops = await EventLoopExecutor.installAndCheck()
        let settings = loadSettings()
        do { _ = try settings.requireServices() } catch { configurationFailure(error) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "tableorder-worker")
        EventLoopExecutor.report(onEventLoops: onEventLoops, logger: logger)
        logger.info(
            "open-file limit",
            metadata: ["soft_at_start": "\(openFiles.before)", "soft": "\(openFiles.after)", "hard": "\(openFiles.hard)"])
        let infrastructure: Infrastructure
        do { infrastructure = try Infrastructure.production(settings: settings, logger: logger) } catch {
            configurationFailure(error)
        }

        let router = Router()
        OperationsRoutes(readiness: { await infrastructure.problems(logger: logger) }, registry: registry).register(on: router)
        let metricsServer = Application(
            router: router, configuration: .init(address: .hostname(settings.httpHost, port: settings.workerMetricsPort)),
            logger: logger)
        let janitor = EventLogJanitor(
            database: infrastructure.store, retentionHours: settings.eventRetentionHours, logger: logger)
        let consumer = infrastructure.commandConsumer(logger: logger, batchSize: batchSize, prefetch: prefetch)
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
