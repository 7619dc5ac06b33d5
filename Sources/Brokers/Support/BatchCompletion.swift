import NIOConcurrencyHelpers
import TableOrderCore

/// Collects the outcomes of several requests queued together on one client thread, and resumes the
/// single caller once all are known. Lets a caller hand over a whole batch in order (one lock, one
/// wake-up) instead of one suspended task per item, whose queueing order would be arbitrary.
final class BatchCompletion<Value: Sendable>: @unchecked Sendable {
    private let lock = NIOLock()
    private var results: [Result<Value, any Error>?]
    private var remaining: Int
    private let continuation: CheckedContinuation<[Result<Value, any Error>], Never>

    init(count: Int, continuation: CheckedContinuation<[Result<Value, any Error>], Never>) {
        self.results = Array(repeating: nil, count: count)
        self.remaining = count
        self.continuation = continuation
        if count == 0 { continuation.resume(returning: []) }
    }

    func complete(_ index: Int, _ result: Result<Value, any Error>) {
        let finished: [Result<Value, any Error>]? = lock.withLock {
            guard results[index] == nil else { return nil }
            results[index] = result
            remaining -= 1
            return remaining == 0 ? results.map { $0! } : nil
        }
        if let finished { continuation.resume(returning: finished) }
    }
}
