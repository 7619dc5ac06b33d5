import DequeModule

/// A FIFO lock for async code: one holder at a time, waiters resume in order.
public actor AsyncMutex {
    private var locked = false
    private var waiters: Deque<CheckedContinuation<Void, Never>> = []

    public init() {}

    private func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }

    public nonisolated func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await lock()
        do {
            let result = try await body()
            await unlock()
            return result
        } catch {
            await unlock()
            throw error
        }
    }
}
