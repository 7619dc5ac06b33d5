import Foundation
import TableOrderCore

/// What one pod knows of the revocation log, and the rule a token's claims are checked by. No I/O:
/// `RevocationList` feeds it and asks it.
public struct RevocationState: Sendable {
    /// The newest log row applied; the next poll asks for the rows after it.
    public private(set) var lastSeq: Int64
    /// Revoked token ids, each until its token expires.
    private var tokens: [String: Date] = [:]
    /// Per user, the lowest credential version still honoured, until every older token has expired.
    private var minimumVersions: [String: (version: Int, until: Date)] = [:]

    public init(lastSeq: Int64 = 0) { self.lastSeq = lastSeq }

    /// The state a snapshot of the log gives: its unexpired rows, and its newest `seq` (rows already
    /// pruned or expired are below it too).
    public init(snapshot rows: [Revocation], through lastSeq: Int64) {
        self.lastSeq = lastSeq
        for row in rows { record(row) }
    }

    /// Applies the rows after `lastSeq`, in `seq` order; rows already applied are skipped.
    public mutating func apply(_ rows: [Revocation]) {
        for row in rows.sorted(by: { $0.seq < $1.seq }) where row.seq > lastSeq {
            record(row)
            lastSeq = row.seq
        }
    }

    /// Takes a revocation in without moving `lastSeq` (the pod that accepted a logout knows of it before
    /// its row comes back from the log).
    public mutating func record(_ row: Revocation) {
        if let tokenID = row.tokenID {
            tokens[tokenID] = max(tokens[tokenID] ?? row.expiresAt, row.expiresAt)
        }
        if let version = row.minimumCredentialVersion {
            // A higher minimum refuses everything a lower one did, so one pair per user is enough: the
            // highest version, kept until the latest expiry.
            let known = minimumVersions[row.userID]
            minimumVersions[row.userID] = (
                max(known?.version ?? version, version), max(known?.until ?? row.expiresAt, row.expiresAt)
            )
        }
    }

    /// Whether the token these claims come from was revoked (and that revocation still holds at `now`).
    /// Tokens without `cv` count as version 0.
    public func isRevoked(_ claims: AccessClaims, now: Date) -> Bool {
        if let tokenID = claims.jti, let until = tokens[tokenID], now < until { return true }
        if let minimum = minimumVersions[claims.userID], now < minimum.until,
            claims.credentialVersion < minimum.version
        {
            return true
        }
        return false
    }

    /// Forgets what no longer matters: every token it would refuse has expired.
    public mutating func dropExpired(now: Date) {
        tokens = tokens.filter { now < $0.value }
        minimumVersions = minimumVersions.filter { now < $0.value.until }
    }

    /// Entries held (revoked tokens + users with a minimum version).
    public var count: Int { tokens.count + minimumVersions.count }
}
