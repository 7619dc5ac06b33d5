import ServiceLifecycle

/// Ticks the hub once a second (heartbeats are per stream, the clock is shared).
struct HubTicker: Service {
    let hub: EventHub

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            hub.broadcast(.tick)
        }
        hub.close()
    }
}
