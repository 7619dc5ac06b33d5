extension ConnectionSupervisor {
    /// Waits until the session is ready, up to `timeout`; returns whether it is. For start-up and tests:
    /// a client refuses work at once while it is not connected, rather than queueing it.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isReady {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
