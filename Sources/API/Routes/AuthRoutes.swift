import Foundation
import Hummingbird
import NIOPosix
import TableOrderAuth
import TableOrderCore

/// `POST /api/auth/admin/login` and `POST /api/auth/table/login`; ending tokens (logout, password change)
/// in `AuthRoutes+EndingTokens.swift`.
struct AuthRoutes: Sendable {
    let deps: Dependencies

    struct AdminLogin: Decodable {
        var storeID: String
        var username: String
        var password: String
        enum CodingKeys: String, CodingKey { case storeID = "store_id", username, password }
    }

    struct TableLogin: Decodable {
        var storeID: String
        var tableNumber: Int
        var password: String
        enum CodingKeys: String, CodingKey { case storeID = "store_id", tableNumber = "table_number", password }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            storeID = try c.decode(String.self, forKey: .storeID)
            tableNumber = try c.decodeInteger(forKey: .tableNumber)
            password = try c.decode(String.self, forKey: .password)
        }
    }

    struct TokenResponse: Encodable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in"
        }
    }

    func register(on router: RouteTable) {
        router.post("/api/auth/admin/login") { request, context in try await adminLogin(request, context) }
        router.post("/api/auth/table/login") { request, context in try await tableLogin(request, context) }
        registerEndingTokens(on: router)
    }

    func adminLogin(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await RequestBodyReader.decode(AdminLogin.self, from: request)
        try validateStore(body.storeID)
        try Limits.username.check(body.username)
        try await slowGuessing(context, account: "\(body.storeID):admin:\(body.username)")
        let credential = try await deps.reads.adminCredential(storeID: body.storeID, username: body.username)
        try await checkPassword(body.password, credential)
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            issuer: deps.tokens.issuer, userID: credential!.userID, storeID: body.storeID, role: .admin,
            issuedAt: now, expiresAt: now + TokenLifetime.admin, credentialVersion: credential!.credentialVersion)
        return try .json(
            TokenResponse(accessToken: try await deps.tokens.sign(claims), expiresIn: Int(TokenLifetime.admin)))
    }

    func tableLogin(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await RequestBodyReader.decode(TableLogin.self, from: request)
        try validateStore(body.storeID)
        try Limits.tableNumber.check(body.tableNumber)
        try await slowGuessing(context, account: "\(body.storeID):table:\(body.tableNumber)")
        let credential = try await deps.reads.tableCredential(storeID: body.storeID, tableNumber: body.tableNumber)
        try await checkPassword(body.password, credential)
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            issuer: deps.tokens.issuer, userID: credential!.userID, storeID: body.storeID, role: .table,
            tableID: credential!.userID, tableNumber: body.tableNumber, issuedAt: now,
            expiresAt: now + TokenLifetime.table, credentialVersion: credential!.credentialVersion)
        return try .json(
            TokenResponse(accessToken: try await deps.tokens.sign(claims), expiresIn: Int(TokenLifetime.table)))
    }

    /// Login attempts are limited per client address and per account (contract §3), before any hashing.
    func slowGuessing(_ context: AppRequestContext, account: String) async throws {
        let settings = deps.settings
        try await deps.limiter.enforce(
            key: "login-ip:\(context.clientAddress)", limit: settings.loginRateLimit * 3,
            windowSeconds: settings.rateLimitWindowSeconds)
        try await deps.limiter.enforce(
            key: "login:\(account)", limit: settings.loginRateLimit, windowSeconds: settings.rateLimitWindowSeconds)
    }

    private func validateStore(_ storeID: String) throws {
        guard StoreID.isValid(storeID) else { throw ServiceError.validation("store_id: must match ^[a-z0-9][a-z0-9-]{0,31}$") }
    }

    /// Verifies off the async executors (scrypt is deliberately slow); an unknown account costs the same.
    func checkPassword(_ password: String, _ credential: Credential?) async throws {
        guard password.utf8.count <= 1024 else { throw ServiceError.validation("password: too long") }
        let hash = credential?.passwordHash ?? PasswordHasher.decoy
        let matches = try await NIOThreadPool.singleton.runIfActive {
            PasswordHasher.verify(password, against: hash)
        }
        guard matches, credential != nil else {
            throw ServiceError(.invalidCredentials, "wrong store, user or password")
        }
    }
}
