import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Prometheus
@testable import TableOrderAPI
@testable import TableOrderAuth
@testable import TableOrderCore
import Testing

/// The rules a pod refuses revoked tokens by (logout, password change, reset), and how it follows the log.
@Suite struct RevocationListTests {
    static let user = UUID().lowercased

    func claims(user: String = user, tokenID: String? = UUID().lowercased, version: Int? = 0, expiresAt: Date = Date() + 3600)
        -> AccessClaims
    {
        var claims = AccessClaims(
            issuer: "tableorder", userID: user, storeID: "s1", role: .admin, issuedAt: expiresAt - 3600,
            expiresAt: expiresAt, tokenID: tokenID)
        claims.cv = version
        return claims
    }

    func row(_ seq: Int64, user: String = user, token: String? = nil, version: Int? = nil, until: Date) -> Revocation {
        Revocation(seq: seq, userID: user, tokenID: token, minimumCredentialVersion: version, expiresAt: until)
    }

    @Test func aRevokedTokenIsRefusedUntilItWouldHaveExpiredThenForgotten() {
        let now = Date()
        let token = claims(expiresAt: now + 10)
        var state = RevocationState()
        #expect(!state.isRevoked(token, now: now))
        state.apply([row(1, token: token.jti, until: now + 10)])
        #expect(state.isRevoked(token, now: now))
        #expect(state.isRevoked(token, now: now + 9.9))
        #expect(!state.isRevoked(claims(), now: now), "another token of the same user still works")
        #expect(!state.isRevoked(token, now: now + 10))
        state.dropExpired(now: now + 9)
        #expect(state.count == 1)
        state.dropExpired(now: now + 10)
        #expect(state.count == 0, "forgotten once the token has expired")
    }

    @Test func tokensBelowTheUsersCredentialVersionAreRefused() {
        let now = Date()
        var state = RevocationState()
        state.apply([row(1, version: 2, until: now + 100)])
        #expect(state.isRevoked(claims(version: 0), now: now))
        #expect(state.isRevoked(claims(version: 1), now: now))
        #expect(!state.isRevoked(claims(version: 2), now: now), "issued at the new version")
        #expect(!state.isRevoked(claims(version: 3), now: now))
        #expect(state.isRevoked(claims(version: nil), now: now), "tokens without cv count as version 0")
        #expect(!state.isRevoked(claims(user: UUID().lowercased, version: 0), now: now), "another user")
        // A lower minimum arriving later does not lower it; a later expiry extends it.
        state.apply([row(2, version: 1, until: now + 200)])
        #expect(state.isRevoked(claims(version: 1), now: now + 150))
        #expect(!state.isRevoked(claims(version: 1), now: now + 200))
    }

    @Test func rowsApplyInSeqOrderAndOnlyOnce() {
        let now = Date()
        let token = claims(version: 9)
        var state = RevocationState(snapshot: [row(3, version: 1, until: now + 100)], through: 4)
        #expect(state.lastSeq == 4)
        // Out of order in the page, and one already seen: sorted, and what is at or below lastSeq skipped.
        state.apply([row(6, version: 5, until: now + 100), row(4, token: token.jti, until: now + 100), row(5, version: 3, until: now + 100)])
        #expect(state.lastSeq == 6)
        #expect(!state.isRevoked(token, now: now), "row 4 was already applied (or pruned) before")
        #expect(state.isRevoked(claims(version: 4), now: now))
        #expect(!state.isRevoked(claims(version: 5), now: now))
    }

    @Test func tokensIssuedWithoutAnIDGetOneFromTheirBytesOnEveryPod() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let issuer = try await TokenService(
            publicKeyPEM: key.publicKey.pemRepresentation, privateKeyPEM: key.pemRepresentation, issuer: "tableorder")
        let verifier = try await TokenService(
            publicKeyPEM: key.publicKey.pemRepresentation, privateKeyPEM: nil, issuer: "tableorder")
        var legacy = claims(tokenID: nil, version: nil)
        legacy.cv = nil
        let token = try await issuer.sign(legacy)
        let first = try await issuer.verify(token)
        let second = try await verifier.verify(token)
        #expect(first.jti != nil && first.jti == second.jti && first.jti!.hasPrefix("sha256:"))
        #expect(first.cv == nil && first.credentialVersion == 0)
        let fresh = try await issuer.verify(try await issuer.sign(claims()))
        #expect(fresh.jti != nil && fresh.jti != first.jti)
    }

    /// A log in memory: a snapshot, then pages after a seq.
    final class Log: RevocationReads {
        let rows = NIOLockedValueBox<[Revocation]>([])
        let asked = NIOLockedValueBox<[Int64]>([])
        let failing = NIOLockedValueBox(false)
        struct Down: Error {}

        func append(_ row: Revocation) { rows.withLockedValue { $0.append(row) } }

        func revocationsSnapshot(now: Date) async throws -> (revocations: [Revocation], lastSeq: Int64) {
            if failing.withLockedValue({ $0 }) { throw Down() }
            let rows = self.rows.withLockedValue { $0 }
            return (rows.filter { $0.expiresAt > now }, rows.map(\.seq).max() ?? 0)
        }

        func revocations(after: Int64, limit: Int) async throws -> [Revocation] {
            if failing.withLockedValue({ $0 }) { throw Down() }
            asked.withLockedValue { $0.append(after) }
            return Array(rows.withLockedValue { $0 }.filter { $0.seq > after }.sorted { $0.seq < $1.seq }.prefix(limit))
        }
    }

    @Test func refusesEveryTokenWithA503UntilLoadedThenFollowsTheLogPageByPage() async throws {
        let log = Log()
        let now = Date()
        let first = claims(), second = claims(), third = claims()
        log.append(row(1, token: first.jti, until: now + 100))
        log.append(row(2, token: UUID().lowercased, until: now - 1))  // expired: not loaded
        let list = RevocationList(reads: log, pageSize: 2, logger: .init(label: "test"))
        #expect(throws: ServiceError.unavailable("token revocations are not loaded yet", retryAfter: 1)) {
            try list.check(second, now: now)
        }
        log.failing.withLockedValue { $0 = true }
        await #expect(throws: Log.Down.self) { try await list.refresh(now: now) }
        #expect(!list.isLoaded)
        log.failing.withLockedValue { $0 = false }

        try await list.refresh(now: now)
        #expect(list.isLoaded)
        #expect(throws: ServiceError.self) { try list.check(first, now: now) }
        try list.check(second, now: now)

        for (seq, token) in [(3, second), (4, claims()), (5, third)] as [(Int64, AccessClaims)] {
            log.append(row(seq, token: token.jti, until: now + 100))
        }
        try await list.refresh(now: now)
        #expect(log.asked.withLockedValue { $0 } == [2, 4], "after the snapshot's head, then after the first page")
        #expect(throws: ServiceError.unauthorized("token revoked")) { try list.check(second, now: now) }
        #expect(throws: ServiceError.unauthorized("token revoked")) { try list.check(third, now: now) }

        // The database away: what is known keeps being enforced.
        log.failing.withLockedValue { $0 = true }
        await #expect(throws: Log.Down.self) { try await list.refresh(now: now) }
        #expect(throws: ServiceError.self) { try list.check(third, now: now) }
        try list.check(claims(), now: now)
    }

    /// Through the real router: a token verified once is remembered (`VerifiedTokenCache`), and is still
    /// refused once its revocation arrives; a logout refuses the token on this pod at once.
    @Test func aTokenRememberedAsVerifiedIsStillChecked() async throws {
        let log = Log()
        let deps = try await TestDependencies.make(revocations: log)
        try await deps.revocations.refresh()
        let (router, _) = APIRouter.make(deps: deps, registry: PrometheusCollectorRegistry())
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = claims(expiresAt: now + 3600)
        let token = try await deps.tokens.sign(claims)
        let other = try await deps.tokens.sign(self.claims(expiresAt: now + 3600))
        try await Application(router: router).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            try await client.execute(uri: "/api/admin/tables", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
            }
            log.append(row(1, token: claims.jti, until: now + 3600))
            try await deps.revocations.refresh()
            try await client.execute(uri: "/api/admin/tables", method: .get, headers: auth) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("UNAUTHORIZED"))
            }

            let otherAuth: HTTPFields = [.authorization: "Bearer \(other)"]
            try await client.execute(uri: "/api/auth/logout", method: .post, headers: otherAuth) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/admin/tables", method: .get, headers: otherAuth) { response in
                #expect(response.status == .unauthorized, "refused on this pod before the log has the row")
            }
        }
    }
}
