import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import TableOrderCore
import UnixSignals

/// `tableorder-api`: the stateless HTTP API and SSE node.
@main
struct TableOrderAPIMain {
    static func main() async {
        // Before any thread of ours allocates: see `MallocArenas` (per-connection memory).
        MallocArenas.limit(to: 2)
        let openFiles = DescriptorBudget.raiseOpenFileLimit()
        // Async code runs on the same event loops as the sockets: no hop to another thread pool and back
        // for every request. Blocking work (scrypt, the C clients) already runs on threads of its own.
        let onEventLoops = await EventLoopExecutor.installAndCheck()
        let settings: Settings
        do {
            settings = try Settings()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }
        LogFormat.bootstrap(settings.logFormat, level: settings.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "tableorder-api")
        let budget = DescriptorBudget(limit: openFiles.after, streams: settings.sseMaxStreams)
        do {
            let app = try await APIBuilder(settings: settings, budget: budget, registry: registry, logger: logger).build()
            logger.info(
                "open-file limit", metadata: [
                    "soft_at_start": "\(openFiles.before)", "soft": "\(openFiles.after)", "hard": "\(openFiles.hard)",
                    "max_connections": "\(budget.connections)", "max_streams": "\(budget.streams)",
                ])
            EventLoopExecutor.report(onEventLoops: onEventLoops, logger: logger)
            try await app.runService()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        } catch {
            logger.critical("tableorder-api stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
