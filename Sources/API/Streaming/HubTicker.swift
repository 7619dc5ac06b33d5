import ServiceLifecycle

/// Ticks the hub once a second: the hub sends each silent stream its heartbeat (one clock for all).
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
