import Foundation
import Hummingbird
import HTTPTypes
import TableOrderCommon

/// Bearer-token checks of contract §3: 401 for a missing or bad token, 403 for the wrong role.
struct Authenticator: Sendable {
    let tokens: TokenService

    func claims(_ request: Request) async throws -> AccessClaims {
        guard let header = request.headers[.authorization] else { throw ServiceError.unauthorized() }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ServiceError.unauthorized("expected a Bearer token")
        }
        return try await tokens.verify(String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    func require(_ role: AccessClaims.Role, _ request: Request) async throws -> AccessClaims {
        let claims = try await claims(request)
        guard claims.role == role else { throw ServiceError.forbidden("this endpoint is for \(role.rawValue)s") }
        return claims
    }
}
