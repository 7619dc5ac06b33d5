import Crypto
import CryptoExtras
import Foundation
import JWTKit
@testable import TableOrderAuth
@testable import TableOrderCore
import Testing

/// RS256 only, right issuer, unexpired, untampered: everything else is 401.
@Suite struct TokenTests {
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let foreignKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    func service(issuer: String = "tableorder", key: _RSA.Signing.PrivateKey = key, canSign: Bool = true) async throws
        -> TokenService
    {
        try await TokenService(
            publicKeyPEM: key.publicKey.pemRepresentation, privateKeyPEM: canSign ? key.pemRepresentation : nil,
            issuer: issuer)
    }

    func claims(expiresIn: TimeInterval = 3600, issuer: String = "tableorder") -> AccessClaims {
        AccessClaims(
            issuer: issuer, userID: "u1", storeID: "s1", role: .table, tableID: "u1", tableNumber: 4,
            issuedAt: Date(), expiresAt: Date() + expiresIn)
    }

    func isUnauthorized(_ token: String, verifier: TokenService) async -> Bool {
        do {
            _ = try await verifier.verify(token)
            return false
        } catch let error as ServiceError {
            return error.code == .unauthorized
        } catch {
            return false
        }
    }

    static func segment(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

    @Test func validTokenRoundTrips() async throws {
        let tokens = try await service()
        let token = try await tokens.sign(claims())
        let verified = try await tokens.verify(token)
        #expect(verified.storeID == "s1" && verified.role == .table && verified.tableNumber == 4)
        #expect(verified.userID == verified.sub.value)
        // A verifier holding only the public key accepts it too.
        let verifyOnly = try await service(canSign: false)
        #expect(try await verifyOnly.verify(token).userID == "u1")
        await #expect(throws: ServiceError.self) { try await verifyOnly.sign(claims()) }
    }

    @Test func expiredTokenIsRefused() async throws {
        let tokens = try await service()
        let token = try await tokens.sign(claims(expiresIn: -60))
        #expect(await isUnauthorized(token, verifier: tokens))
    }

    @Test func notYetValidTokensAreRefused() async throws {
        let tokens = try await service()
        var future = claims()
        future.nbf = NotBeforeClaim(value: Date() + 3600)
        #expect(await isUnauthorized(try await tokens.sign(future), verifier: tokens))
        var issuedLater = claims(expiresIn: 7200)
        issuedLater.iat = IssuedAtClaim(value: Date() + 3600)
        #expect(await isUnauthorized(try await tokens.sign(issuedLater), verifier: tokens))
        var valid = claims()
        valid.nbf = NotBeforeClaim(value: Date() - 10)
        #expect(try await tokens.verify(try await tokens.sign(valid)).userID == "u1")
    }

    @Test func wrongIssuerIsRefused() async throws {
        let tokens = try await service()
        let token = try await tokens.sign(claims(issuer: "someone-else"))
        #expect(await isUnauthorized(token, verifier: tokens))
    }

    @Test func algNoneIsRefused() async throws {
        let tokens = try await service()
        let signed = try await tokens.sign(claims())
        let payload = signed.split(separator: ".")[1]
        let none = Self.segment(#"{"alg":"none","typ":"JWT"}"#) + "." + payload + "."
        #expect(await isUnauthorized(none, verifier: tokens))
    }

    @Test func hs256SignedWithThePublicKeyIsRefused() async throws {
        let tokens = try await service()
        let signed = try await tokens.sign(claims())
        let payload = String(signed.split(separator: ".")[1])
        let header = Self.segment(#"{"alg":"HS256","typ":"JWT"}"#)
        let secret = SymmetricKey(data: Array(Self.key.publicKey.pemRepresentation.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(header).\(payload)".utf8), using: secret)
        let forged = "\(header).\(payload).\(Base64URL.encode(Array(mac)))"
        #expect(await isUnauthorized(forged, verifier: tokens))
    }

    @Test func tamperedPayloadIsRefused() async throws {
        let tokens = try await service()
        let parts = try await tokens.sign(claims()).split(separator: ".").map(String.init)
        var payload = try JSONSerialization.jsonObject(with: Base64URL.decode(parts[1])!) as! [String: Any]
        payload["store_id"] = "other-store"
        let tampered = Base64URL.encode(try JSONSerialization.data(withJSONObject: payload))
        #expect(await isUnauthorized("\(parts[0]).\(tampered).\(parts[2])", verifier: tokens))
    }

    @Test func tokenFromAForeignKeyIsRefused() async throws {
        let foreign = try await service(key: Self.foreignKey)
        let token = try await foreign.sign(claims())
        #expect(await isUnauthorized(token, verifier: try await service()))
    }

    @Test func garbageIsRefused() async throws {
        let tokens = try await service()
        for token in ["", "abc", "a.b.c", "...", Self.segment(#"{"alg":"RS256"}"#) + ".e30.AAAA"] {
            #expect(await isUnauthorized(token, verifier: tokens), "\(token)")
        }
    }
}
