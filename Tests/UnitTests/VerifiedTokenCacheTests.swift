import Foundation
@testable import TableOrderAuth
@testable import TableOrderCore
import Testing

/// Verified tokens are remembered only until they expire, and the memory is bounded.
@Suite struct VerifiedTokenCacheTests {
    func claims(expiresAt: Date) -> AccessClaims {
        AccessClaims(
            issuer: "tableorder", userID: "u1", storeID: "s1", role: .admin, issuedAt: expiresAt - 3600,
            expiresAt: expiresAt)
    }

    @Test func servesAVerifiedTokenUntilItExpires() {
        let cache = VerifiedTokenCache()
        let now = Date()
        cache.insert(claims(expiresAt: now + 10), for: "t", now: now)
        #expect(cache.claims(for: "t", now: now + 9)?.userID == "u1")
        #expect(cache.claims(for: "t", now: now + 10) == nil)
        #expect(cache.count == 0, "an expired entry is dropped when found")
        #expect(cache.claims(for: "other", now: now) == nil)
    }

    @Test func staysWithinItsCapacity() {
        let cache = VerifiedTokenCache(capacity: 3)
        let now = Date()
        cache.insert(claims(expiresAt: now + 1), for: "old", now: now)
        cache.insert(claims(expiresAt: now + 100), for: "a", now: now)
        cache.insert(claims(expiresAt: now + 100), for: "b", now: now)
        cache.insert(claims(expiresAt: now + 100), for: "c", now: now + 2)  // full: the expired one goes
        #expect(cache.count == 3)
        #expect(cache.claims(for: "a", now: now + 2) != nil)
        cache.insert(claims(expiresAt: now + 100), for: "d", now: now + 2)  // full of live ones: start over
        #expect(cache.count == 1)
        #expect(cache.claims(for: "d", now: now + 2) != nil)
    }
}
