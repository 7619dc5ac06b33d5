import Foundation
import Hummingbird
import NIOPosix
import TableOrderAuth
import TableOrderCore

/// Ending tokens (contract §3, v1.1): `POST /api/auth/logout` and `PUT /api/admin/password`. Both are
/// writes through the queue; the worker appends to the revocation log that every pod's `RevocationList`
/// follows. (`POST /api/admin/tables`, a table's reset, revokes the table's tokens the same way.)
extension AuthRoutes {
    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
        enum CodingKeys: String, CodingKey { case currentPassword = "current_password", newPassword = "new_password" }
    }

    func registerEndingTokens(on router: RouteTable) {
        router.post("/api/auth/logout") { request, context in try await logout(request, context) }
        router.put("/api/admin/password") { request, context in try await changePassword(request, context) }
    }

    /// 204 once the broker holds the revocation; this pod refuses the token at once, the others within a
    /// poll of the worker's commit.
    func logout(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.requireAny()
        // `TokenService.verify` gives every token an id (tokens issued without one get a digest).
        guard let tokenID = claims.jti else { throw ServiceError.unauthorized("token has no id") }
        let command = RevokeToken(
            storeID: claims.storeID, userID: claims.userID, tokenID: tokenID,
            expiresAt: Int(claims.expiresAt.timeIntervalSince1970.rounded(.up)))
        // One command per token, whoever sends it how often: a retried logout is applied once.
        try await deps.commands.send(.revokeToken(command), id: DeterministicID.make("logout", tokenID).lowercased)
        deps.revocations.revoke(tokenID: tokenID, userID: claims.userID, until: claims.expiresAt)
        return Response(status: .noContent)
    }

    /// Checks the current password like a login does (limited per address and per admin, the same slow
    /// verify), hashes the new one here, and sends both the hash and the credential version it checked
    /// against; the worker stores it, bumps the version and revokes every older token of the admin,
    /// the one making this request included.
    func changePassword(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(PasswordChange.self, from: request)
        try Limits.newPassword.check(body.newPassword)
        guard let adminID = UUID(uuidString: claims.userID) else { throw ServiceError.unauthorized("malformed claims") }
        try await slowGuessing(context, account: "\(claims.storeID):admin-password:\(claims.userID)")
        let credential = try await deps.reads.adminCredential(storeID: claims.storeID, userID: adminID)
        try await checkPassword(body.currentPassword, credential)
        let newPassword = body.newPassword
        let hash = try await NIOThreadPool.singleton.runIfActive { try PasswordHasher.hash(newPassword) }
        let identity = try WriteIdentity(request, claims: claims, action: "password")
        try await deps.commands.send(
            .changeAdminPassword(
                ChangeAdminPassword(
                    storeID: claims.storeID, adminID: claims.userID, passwordHash: hash,
                    credentialVersion: credential!.credentialVersion)),
            id: identity.commandID)
        return try Accepted.response(id: claims.userID, location: nil)
    }
}
