import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import TableOrderAPI

/// Concurrent idempotency lookups share queries, each caller gets its own answer, and a failed query
/// fails exactly the callers it carried.
@Suite struct RequestHashLookupTests {
    struct Down: Error {}

    @Test func concurrentLookupsShareQueriesAndGetTheirOwnAnswers() async throws {
        let stored = Dictionary(uniqueKeysWithValues: (0..<50).map { (UUID(), "hash-\($0)") })
        let queries = NIOLockedValueBox(0)
        let lookup = RequestHashLookup(maximumInFlight: 1) { ids in
            queries.withLockedValue { $0 += 1 }
            try await Task.sleep(for: .milliseconds(20))  // a round trip, while others queue up
            return stored.filter { ids.contains($0.key) }
        }
        let unknown = (0..<50).map { _ in UUID() }
        let answers = try await withThrowingTaskGroup(of: (UUID, String?).self) { group in
            for id in Array(stored.keys) + unknown { group.addTask { (id, try await lookup.requestHash(orderID: id)) } }
            return try await group.reduce(into: [UUID: String?]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 100)
        for (id, hash) in stored { #expect(answers[id] == .some(hash)) }
        for id in unknown { #expect(answers[id] == .some(nil)) }
        #expect(queries.withLockedValue { $0 } < 100, "lookups waiting behind a query go out together")
    }

    @Test func aFailedQueryFailsItsCallersAndTheNextOneWorks() async throws {
        let failing = NIOLockedValueBox(true)
        let lookup = RequestHashLookup { _ in
            if failing.withLockedValue({ $0 }) { throw Down() }
            return [:]
        }
        await #expect(throws: Down.self) { try await lookup.requestHash(orderID: UUID()) }
        failing.withLockedValue { $0 = false }
        #expect(try await lookup.requestHash(orderID: UUID()) == nil)
    }
}
