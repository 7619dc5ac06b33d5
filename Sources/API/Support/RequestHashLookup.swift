import DequeModule
import Foundation
import NIOConcurrencyHelpers
import TableOrderCore

/// Finds the stored request fingerprint of orders by id, for `Idempotency-Key` checks on every keyed
/// `POST /api/orders`, with many requests per query.
///
/// At most `maximumInFlight` queries run at once; lookups arriving meanwhile wait and then go out
/// together as one `WHERE id IN (…)`. An idle API answers a lookup with one query; a busy one sends the
/// database one query per round trip instead of one per request.
final class RequestHashLookup: Sendable {
    private typealias Waiter = (id: UUID, caller: CallerLoop, continuation: CheckedContinuation<String?, any Error>)

    private struct State {
        var waiting: Deque<Waiter> = []
        var inFlight = 0
    }

    private let query: @Sendable ([UUID]) async throws -> [UUID: String]
    private let state = NIOLockedValueBox(State())
    let maximumInFlight: Int
    let maximumBatch: Int

    /// - Parameter query: the fingerprints of those of `ids` that are stored (one database query).
    init(
        maximumInFlight: Int = 2, maximumBatch: Int = 500,
        query: @escaping @Sendable ([UUID]) async throws -> [UUID: String]
    ) {
        self.query = query
        self.maximumInFlight = maximumInFlight
        self.maximumBatch = maximumBatch
    }

    convenience init(reads: any ReadRepository) {
        self.init { try await reads.orderRequestHashes(ids: $0) }
    }

    /// The fingerprint stored with the order, or `nil` if no such order is stored (yet).
    func requestHash(orderID: UUID) async throws -> String? {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLockedValue { state -> Bool in
                state.waiting.append((orderID, CallerLoop(), continuation))
                guard state.inFlight < maximumInFlight else { return false }
                state.inFlight += 1
                return true
            }
            if start { Task { await drain() } }
        }
    }

    /// Runs batches until nobody waits.
    private func drain() async {
        while true {
            let batch = state.withLockedValue { state -> [Waiter] in
                let batch = Array(state.waiting.prefix(maximumBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.inFlight -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let hashes = try await query(Array(Set(batch.map(\.id))))
                for waiter in batch {
                    let hash = hashes[waiter.id]
                    waiter.caller.run { waiter.continuation.resume(returning: hash) }
                }
            } catch {
                for waiter in batch { waiter.caller.run { waiter.continuation.resume(throwing: error) } }
            }
        }
    }
}
