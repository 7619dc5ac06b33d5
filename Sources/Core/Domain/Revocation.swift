import Foundation

/// One row of the revocation log: one token (`tokenID`, a logout), or every token of a user issued
/// below a credential version (a password change or reset). Kept until `expiresAt`, when every token
/// it revokes has expired anyway.
public struct Revocation: Sendable, Equatable {
    /// Gap-free and in commit order: a reader that has seen `seq` n has seen every row up to n.
    public var seq: Int64
    public var userID: String
    public var tokenID: String?
    public var minimumCredentialVersion: Int?
    public var expiresAt: Date

    public init(seq: Int64, userID: String, tokenID: String?, minimumCredentialVersion: Int?, expiresAt: Date) {
        self.seq = seq
        self.userID = userID
        self.tokenID = tokenID
        self.minimumCredentialVersion = minimumCredentialVersion
        self.expiresAt = expiresAt
    }
}
