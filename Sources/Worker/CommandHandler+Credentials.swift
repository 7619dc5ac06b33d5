import Foundation
import TableOrderCore

extension CommandHandler {
    /// How much later than the worker's clock a pod may have issued a token: revocations are kept this
    /// much beyond the longest lifetime of the tokens they revoke.
    static let issuerClockMargin: TimeInterval = 300

    /// Logout: the token is refused on every pod until it would have expired.
    func revokeToken(_ command: RevokeToken, in tx: any WriteTransaction) async throws -> [EventBody] {
        let userID = try uuid(command.userID, "user id")
        guard !command.tokenID.isEmpty, command.tokenID.utf8.count <= 128 else {
            throw CommandRejection("malformed token id")
        }
        _ = try await tx.appendRevocation(
            userID: userID, tokenID: command.tokenID, minimumCredentialVersion: nil,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(command.expiresAt)))
        return []
    }

    /// Stores the new password and revokes every token of the admin issued before it. The API checked the
    /// current password against the credential version in the command; if the version has moved since,
    /// that check no longer holds and the change is dropped (two changes from the same old password:
    /// the first one applied wins).
    func changeAdminPassword(_ command: ChangeAdminPassword, in tx: any WriteTransaction, now: Date) async throws
        -> [EventBody]
    {
        let adminID = try uuid(command.adminID, "admin id")
        guard let current = try await tx.lockAdmin(storeID: command.storeID, adminID: adminID) else {
            throw CommandRejection("admin \(command.adminID) is not in store \(command.storeID)")
        }
        guard current == command.credentialVersion else { return [] }
        let version = try await tx.setAdminPassword(adminID: adminID, passwordHash: command.passwordHash)
        try await revokeTokens(of: adminID, below: version, lifetime: TokenLifetime.admin, in: tx, now: now)
        return []
    }

    /// Logs that the user's tokens of a version below `version` are refused; every such token was issued
    /// before now, so it has expired `lifetime` later (and the margin for the issuing pod's clock).
    func revokeTokens(
        of userID: UUID, below version: Int, lifetime: TimeInterval, in tx: any WriteTransaction, now: Date
    ) async throws {
        _ = try await tx.appendRevocation(
            userID: userID, tokenID: nil, minimumCredentialVersion: version,
            expiresAt: now + lifetime + Self.issuerClockMargin)
    }
}
