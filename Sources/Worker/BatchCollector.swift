import DequeModule
import NIOConcurrencyHelpers
import TableOrderCore

/// Turns a stream of commands into batches: whatever has arrived, up to a maximum, as soon as there is one.
/// Under load the worker applies many commands per transaction; when idle a single one goes at once.
final class BatchCollector: @unchecked Sendable {
    private let lock = NIOLock()
    private var buffer: Deque<InboundCommand> = []
    private var finished = false
    private var waiter: CheckedContinuation<Void, Never>?

    func append(_ command: InboundCommand) {
        let toResume = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            buffer.append(command)
            defer { waiter = nil }
            return waiter
        }
        toResume?.resume()
    }

    func finish() {
        let toResume = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            finished = true
            defer { waiter = nil }
            return waiter
        }
        toResume?.resume()
    }

    /// Up to `maximum` commands; waits for at least one. Empty means the stream ended.
    func next(maximum: Int) async -> [InboundCommand] {
        while true {
            let (batch, done) = lock.withLock { () -> ([InboundCommand], Bool) in
                let taken = Array(buffer.prefix(maximum))
                buffer.removeFirst(taken.count)
                return (taken, finished)
            }
            if !batch.isEmpty || done { return batch }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = lock.withLock { () -> Bool in
                    if !buffer.isEmpty || finished { return true }
                    waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
