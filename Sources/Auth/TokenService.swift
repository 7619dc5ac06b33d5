import Crypto
import Foundation
import JWTKit
import TableOrderCore

/// Issues and verifies RS256 access tokens.
///
/// Verification accepts exactly one algorithm: the header's `alg` is checked to be `RS256` before
/// any signature work, so `none` and HS256-with-the-public-key are refused regardless of library defaults.
public final class TokenService: Sendable {
    private let keys: JWTKeyCollection
    private let canSign: Bool
    private let verified = VerifiedTokenCache()
    public let issuer: String

    /// - Parameters:
    ///   - publicKeyPEM: verifies tokens; every pod needs it.
    ///   - privateKeyPEM: signs tokens at the login endpoints; optional for pods that only verify.
    public init(publicKeyPEM: String, privateKeyPEM: String?, issuer: String) async throws {
        let keys = JWTKeyCollection()
        if let privateKeyPEM {
            let key = try Insecure.RSA.PrivateKey(pem: privateKeyPEM)
            await keys.add(rsa: key, digestAlgorithm: .sha256)
        } else {
            let key = try Insecure.RSA.PublicKey(pem: publicKeyPEM)
            await keys.add(rsa: key, digestAlgorithm: .sha256)
        }
        self.keys = keys
        self.canSign = privateKeyPEM != nil
        self.issuer = issuer
    }

    public func sign(_ claims: AccessClaims) async throws -> String {
        guard canSign else { throw ServiceError.unavailable("this process cannot issue tokens") }
        return try await keys.sign(claims)
    }

    /// Returns the verified claims, or throws `ServiceError.unauthorized`. A token verified before is
    /// answered from memory until its `exp`.
    ///
    /// Only the token itself is checked here: whether it was revoked since is `RevocationList.check`'s
    /// question, asked of every request's claims, these remembered ones included.
    public func verify(_ token: String) async throws -> AccessClaims {
        if let claims = verified.claims(for: token) { return claims }
        var claims = try await verifySignatureAndClaims(token)
        // Tokens issued before tokens had ids keep working until they expire, and can still be logged
        // out: their id is a digest of their own bytes, the same on every pod.
        if claims.jti == nil { claims.jti = Self.derivedTokenID(token) }
        verified.insert(claims, for: token)
        return claims
    }

    static func derivedTokenID(_ token: String) -> String {
        "sha256:" + SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
    }

    private func verifySignatureAndClaims(_ token: String) async throws -> AccessClaims {
        guard Self.headerAlgorithm(of: token) == "RS256" else { throw ServiceError.unauthorized("unsupported token") }
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch {
            throw ServiceError.unauthorized("invalid or expired token")
        }
        guard claims.iss.value == issuer else { throw ServiceError.unauthorized("wrong issuer") }
        guard claims.sub.value == claims.userID, StoreID.isValid(claims.storeID) else {
            throw ServiceError.unauthorized("malformed claims")
        }
        if claims.role == .table, claims.tableID == nil || claims.tableNumber == nil {
            throw ServiceError.unauthorized("malformed claims")
        }
        if let jti = claims.jti, jti.isEmpty || jti.utf8.count > 128 { throw ServiceError.unauthorized("malformed claims") }
        if let cv = claims.cv, cv < 0 { throw ServiceError.unauthorized("malformed claims") }
        return claims
    }

    static func headerAlgorithm(of token: String) -> String? {
        guard let dot = token.firstIndex(of: "."), let data = Base64URL.decode(String(token[..<dot])) else { return nil }
        struct Header: Decodable { var alg: String? }
        return (try? JSONDecoder().decode(Header.self, from: data))?.alg
    }
}
