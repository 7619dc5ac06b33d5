import NIOConcurrencyHelpers
@testable import TableOrderCore
@testable import TableOrderInfrastructure
import Testing

@Suite struct RateLimiterTests {
    @Test func slidingWindowCountsDownAndRefusalsDoNotConsume() async throws {
        let limiter = InMemoryRateLimiter()
        var remaining: [Int] = []
        for _ in 0..<5 { remaining.append(try await limiter.consume(key: "u", limit: 5, windowSeconds: 60).remaining) }
        #expect(remaining == [4, 3, 2, 1, 0])
        let refused = try await limiter.consume(key: "u", limit: 5, windowSeconds: 60)
        #expect(!refused.allowed && refused.remaining == 0)
        #expect((1...60).contains(refused.retryAfterSeconds))
        // Another key has its own window.
        #expect(try await limiter.consume(key: "v", limit: 5, windowSeconds: 60).remaining == 4)
    }

    @Test func windowSlides() async throws {
        let start = ContinuousClock.now
        let elapsed = NIOLockedValueBox(Duration.zero)
        let limiter = InMemoryRateLimiter(now: { start + elapsed.withLockedValue { $0 } })
        #expect(try await limiter.consume(key: "u", limit: 2, windowSeconds: 10).allowed)
        elapsed.withLockedValue { $0 = .seconds(4) }
        #expect(try await limiter.consume(key: "u", limit: 2, windowSeconds: 10).allowed)
        // Full: the first hit leaves the window 10 s after it was made, 6 s from now.
        let refused = try await limiter.consume(key: "u", limit: 2, windowSeconds: 10)
        #expect(!refused.allowed && refused.retryAfterSeconds == 6)
        elapsed.withLockedValue { $0 = .milliseconds(9_999) }
        #expect(try await !limiter.consume(key: "u", limit: 2, windowSeconds: 10).allowed)
        // At 10 s the first hit has left; the second (at 4 s) is still in.
        elapsed.withLockedValue { $0 = .seconds(10) }
        let admitted = try await limiter.consume(key: "u", limit: 2, windowSeconds: 10)
        #expect(admitted.allowed && admitted.remaining == 0)
    }
}

@Suite struct CacheStoreTests {
    @Test func invalidationHidesEveryKeyOfTheScopeOnly() async throws {
        let cache = InMemoryCacheStore()
        let first = try await cache.lookup(storeID: "s", scope: .orders, key: "a")
        #expect(first.value == nil)
        try await cache.store(storeID: "s", scope: .orders, key: "a", generation: first.generation, value: [1], ttlSeconds: 60)
        try await cache.store(storeID: "s", scope: .menus, key: "m", generation: 0, value: [2], ttlSeconds: 60)
        #expect(try await cache.lookup(storeID: "s", scope: .orders, key: "a").value == [1])
        try await cache.invalidate(storeID: "s", scope: .orders)
        #expect(try await cache.lookup(storeID: "s", scope: .orders, key: "a").value == nil)
        #expect(try await cache.lookup(storeID: "s", scope: .menus, key: "m").value == [2])
        // A reader that loaded before the invalidation writes under the old generation: nobody sees it.
        try await cache.store(storeID: "s", scope: .orders, key: "a", generation: first.generation, value: [9], ttlSeconds: 60)
        #expect(try await cache.lookup(storeID: "s", scope: .orders, key: "a").value == nil)
    }
}
