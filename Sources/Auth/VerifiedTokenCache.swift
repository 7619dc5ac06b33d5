import Foundation
import JWTKit
import NIOConcurrencyHelpers
import TableOrderCore

/// Tokens whose signature and claims were already verified, kept until they expire.
///
/// An RS256 check costs tens of microseconds and every request carries a token, while a tablet sends
/// the same token for hours: verifying it once per process is enough. An entry is only ever served
/// before the token's `exp`, and the cache is bounded (when full, expired entries go first, then all).
final class VerifiedTokenCache: Sendable {
    private struct Entry {
        var claims: AccessClaims
        var expiresAt: Date
    }

    private let entries = NIOLockedValueBox([String: Entry]())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func claims(for token: String, now: Date = Date()) -> AccessClaims? {
        entries.withLockedValue { entries in
            guard let entry = entries[token] else { return nil }
            guard now < entry.expiresAt else {
                entries[token] = nil
                return nil
            }
            return entry.claims
        }
    }

    func insert(_ claims: AccessClaims, for token: String, now: Date = Date()) {
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries = entries.filter { now < $0.value.expiresAt }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = Entry(claims: claims, expiresAt: claims.exp.value)
        }
    }

    var count: Int { entries.withLockedValue { $0.count } }
}
