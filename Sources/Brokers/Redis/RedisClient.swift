import Foundation
import Logging
import NIOConcurrencyHelpers
import TableOrderCore

/// A Redis connection with automatic pipelining, driven by one thread of its own.
///
/// Callers from any task queue commands; the thread writes everything queued in one go and reads the
/// replies in order, so under load many requests share each round trip. When Redis is down, calls
/// fail at once with `RedisError` (the thread retries the connection with backoff), so callers can
/// bypass the cache or fail open instead of hanging.
public final class RedisClient: @unchecked Sendable {
    private struct Pending {
        var arguments: [[UInt8]]
        var complete: @Sendable (Result<RESPValue, any Error>) -> Void
    }

    private let url: RedisURL
    private let logger: Logger
    private let lock = NIOLock()
    private var queue: [Pending] = []
    private var stopping = false
    private var connectedFlag = false
    private var lastError = "not yet connected"
    private let wakeup = Wakeup(coalescing: true)

    public init(url: RedisURL, logger: Logger, name: String = "redis") {
        self.url = url
        self.logger = logger
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    public var isConnected: Bool { lock.withLock { connectedFlag } }
    public var lastErrorDescription: String { lock.withLock { lastError } }

    /// Sends one command and returns its reply. A Redis error reply is returned as `.error`, not thrown.
    public func send(_ arguments: [[UInt8]]) async throws -> RESPValue {
        let caller = CallerLoop()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RESPValue, any Error>) in
            enqueue([Pending(arguments: arguments, complete: { result in caller.run { continuation.resume(with: result) } })])
        }
    }

    /// Sends several commands in this order, in one pipeline, and returns each one's reply or error.
    public func sendAll(_ commands: [[[UInt8]]]) async -> [Result<RESPValue, any Error>] {
        await withCheckedContinuation { continuation in
            let batch = BatchCompletion<RESPValue>(count: commands.count, continuation: continuation)
            enqueue(commands.enumerated().map { index, arguments in
                Pending(arguments: arguments, complete: { batch.complete(index, $0) })
            })
        }
    }

    private func enqueue(_ pending: [Pending]) {
        guard !pending.isEmpty else { return }
        let accepted = lock.withLock {
            guard !stopping else { return false }
            queue.append(contentsOf: pending)
            return true
        }
        if accepted {
            wakeup.signal()
        } else {
            for item in pending { item.complete(.failure(RedisError("redis client stopped"))) }
        }
    }

    public func send(_ arguments: String...) async throws -> RESPValue {
        try await send(arguments.map { Array($0.utf8) })
    }

    public func shutdown() {
        lock.withLock { stopping = true }
        wakeup.signal(force: true)
    }

    /// For the coalescing wakeup (a stop wakes the thread with a forced signal).
    private func hasWork() -> Bool { lock.withLock { !queue.isEmpty } }

    private func runLoop() {
        var context: HiredisContext?
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        var nextAttempt = ContinuousClock.now

        while true {
            let (batch, stop) = lock.withLock { () -> ([Pending], Bool) in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return (taken, stopping)
            }
            if stop {
                for p in batch { p.complete(.failure(RedisError("redis client stopped"))) }
                break
            }
            if context == nil, ContinuousClock.now >= nextAttempt {
                do {
                    context = try HiredisContext(url: url)
                    backoff.reset()
                    lock.withLock { connectedFlag = true }
                    logger.info("redis connected", metadata: ["host": "\(url.host):\(url.port)"])
                } catch {
                    lock.withLock { lastError = "\(error)" }
                    nextAttempt = .now + backoff.nextDelay()
                }
            }
            guard let ctx = context else {
                let why = lock.withLock { lastError }
                for p in batch { p.complete(.failure(RedisError("redis unavailable: \(why)"))) }
                wakeup.wait(socket: nil, timeoutMs: 1000, unless: hasWork)
                continue
            }
            if batch.isEmpty {
                wakeup.wait(socket: nil, timeoutMs: 1000, unless: hasWork)
                continue
            }
            var replies: [RESPValue] = []
            replies.reserveCapacity(batch.count)
            do {
                for p in batch { try ctx.append(p.arguments) }
                for _ in batch { replies.append(try ctx.readReply()) }
            } catch {
                let why = "\(error)"
                logger.warning("redis connection lost", metadata: ["error": "\(why)"])
                lock.withLock {
                    connectedFlag = false
                    lastError = why
                }
                context = nil
                nextAttempt = .now
            }
            for (index, p) in batch.enumerated() {
                if index < replies.count {
                    p.complete(.success(replies[index]))
                } else {
                    p.complete(.failure(RedisError("redis connection lost")))
                }
            }
        }
    }
}
