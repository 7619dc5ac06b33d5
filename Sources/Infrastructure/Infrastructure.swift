import Logging
import ServiceLifecycle
import TableOrderCore
import TableOrderStorage

/// The adapters behind the protocols, chosen by configuration: the same API handlers and worker rules
/// run on PostgreSQL + Redis + RabbitMQ in production and on SQLite + in-process parts in development.
public struct Infrastructure: Sendable {
    public var store: SQLStore
    /// Where reports and history are read: a replica (`DATABASE_READ_URL`) when one is configured, else `store`.
    public var replica: SQLStore
    let hasReplica: Bool
    public var cache: CacheManager
    public var channel: any EventChannel
    public var bus: any EventBus
    public var limiter: any RateLimiter
    /// Long-lived parts (connection pools) that run in the process's `ServiceGroup` before the app.
    public var services: [any Service]
    /// Closes the thread-backed clients, after the app has drained.
    public var close: @Sendable () async -> Void

    public init(
        store: SQLStore, replica: SQLStore? = nil, cache: CacheManager, channel: any EventChannel, bus: any EventBus,
        limiter: any RateLimiter, services: [any Service], close: @escaping @Sendable () async -> Void
    ) {
        self.store = store
        self.replica = replica ?? store
        self.hasReplica = replica != nil
        self.cache = cache
        self.channel = channel
        self.bus = bus
        self.limiter = limiter
        self.services = services
        self.close = close
    }

    /// The names of the dependencies that are down (for `/readyz`), each once; empty when everything
    /// answers. Their details (addresses, driver messages) go to `logger` only.
    public func problems(logger: Logger) async -> [String] {
        var found: [DependencyProblem] = []
        if let p = await store.engine.problem() { found.append(p) }
        // A replica that is down is not: it serves reports and history only (they answer 503 meanwhile), and
        // a pod that answers no orders for it would be worse.
        if hasReplica, let p = await replica.engine.problem() {
            logger.warning("replica not answering", metadata: ["detail": "\(p.detail)"])
        }
        found += [cache.store.problem, channel.problem, bus.problem].compactMap { $0 }
        var names: [String] = []
        for problem in found where !names.contains(problem.dependency) {
            names.append(problem.dependency)
            logger.warning("not ready", metadata: ["dependency": "\(problem.dependency)", "detail": "\(problem.detail)"])
        }
        return names
    }
}

/// Closes the thread-backed clients after everything before it in the group has drained.
public struct ClientsShutdown: Service {
    let close: @Sendable () async -> Void

    public init(_ close: @escaping @Sendable () async -> Void) { self.close = close }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
