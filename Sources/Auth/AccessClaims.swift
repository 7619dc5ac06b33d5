import Foundation
import JWTKit
import TableOrderCore

/// The token claims of contract §3. One type for both roles: `table_id`/`table_number` only for tables.
public struct AccessClaims: JWTPayload, Equatable {
    public enum Role: String, Codable, Sendable { case admin, table }

    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var userID: String
    public var storeID: String
    public var role: Role
    public var tableID: String?
    public var tableNumber: Int?
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    /// Not issued by us, but honoured when present: a token is not valid before it.
    public var nbf: NotBeforeClaim?
    /// The token's own id, so that it can be revoked alone (logout). Tokens issued before ids existed
    /// carry none; `TokenService` gives them one derived from their bytes.
    public var jti: String?
    /// The credential version of the user when the token was issued (a password change or reset bumps
    /// it, revoking every older token). Absent in tokens issued before versions existed: those count as 0,
    /// the version every user starts at, so the first change or reset revokes them too.
    public var cv: Int?

    /// `cv`, with absent read as 0.
    public var credentialVersion: Int { cv ?? 0 }
    /// `exp`, for modules that do not import JWTKit.
    public var expiresAt: Date { exp.value }

    public init(
        issuer: String, userID: String, storeID: String, role: Role, tableID: String? = nil, tableNumber: Int? = nil,
        issuedAt: Date, expiresAt: Date, tokenID: String? = UUID().lowercased, credentialVersion: Int = 0
    ) {
        self.iss = IssuerClaim(value: issuer)
        self.sub = SubjectClaim(value: userID)
        self.userID = userID
        self.storeID = storeID
        self.role = role
        self.tableID = tableID
        self.tableNumber = tableNumber
        self.iat = IssuedAtClaim(value: issuedAt)
        self.exp = ExpirationClaim(value: expiresAt)
        self.jti = tokenID
        self.cv = credentialVersion
    }

    enum CodingKeys: String, CodingKey {
        case iss, sub, userID = "user_id", storeID = "store_id", role, tableID = "table_id"
        case tableNumber = "table_number", iat, exp, nbf, jti, cv
    }

    /// Expired, not yet valid, or issued in the future (beyond a minute of clock skew): refused.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore(currentDate: Date() + 60)
        guard iat.value <= Date() + 60 else { throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future") }
    }
}

