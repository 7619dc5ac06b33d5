/// Who waits for a command's reply: one caller, or one slot of a `sendAll` batch.
///
/// Completed on the connection's event loop, which resumes the caller directly (no further hop).
enum RedisRequest: Sendable {
    case continuation(CheckedContinuation<RESPValue, any Error>)
    case batch(RedisBatch, index: Int)

    func complete(_ result: Result<RESPValue, any Error>) {
        switch self {
        case .continuation(let continuation): continuation.resume(with: result)
        case .batch(let batch, let index): batch.complete(index, result)
        }
    }
}

/// The replies of several commands sent together, handed back at once when the last one is known.
///
/// Touched only on its connection's event loop (every completion happens there), so it needs no lock.
final class RedisBatch: @unchecked Sendable {
    private var results: [Result<RESPValue, any Error>?]
    private var remaining: Int
    private let done: @Sendable ([Result<RESPValue, any Error>]) -> Void

    /// - Parameters:
    ///   - count: How many commands; `done` is called once all have completed (at once if 0).
    ///   - done: Receives the results in the commands' order.
    init(count: Int, done: @escaping @Sendable ([Result<RESPValue, any Error>]) -> Void) {
        self.results = Array(repeating: nil, count: count)
        self.remaining = count
        self.done = done
        if count == 0 { done([]) }
    }

    func complete(_ index: Int, _ result: Result<RESPValue, any Error>) {
        guard results[index] == nil else { return }
        results[index] = result
        remaining -= 1
        if remaining == 0 { done(results.map { $0! }) }
    }
}
