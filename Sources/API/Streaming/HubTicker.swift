import ServiceLifecycle

/// Ticks the hub once a second (one clock for every stream's heartbeat); closes it on shutdown.
struct HubTicker: Service {
    let hub: EventHub

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            hub.tick()
        }
        hub.close()
    }
}
