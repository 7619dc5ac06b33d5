import Foundation
import TableOrderAuth
import TableOrderCore

enum KeyFiles {
    /// Reads a PEM file named by an environment variable, or fails naming the variable.
    static func read(_ path: String, variable: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw ConfigurationError(variable, "cannot read \(path)") }
        return text
    }

    static func tokenService(_ settings: Settings) async throws -> TokenService {
        guard let publicPath = settings.jwtPublicKeyFile else {
            throw ConfigurationError("JWT_PUBLIC_KEY_FILE", "required when ENV=production")
        }
        let publicPEM = try read(publicPath, variable: "JWT_PUBLIC_KEY_FILE")
        let privatePEM = try settings.jwtPrivateKeyFile.map { try read($0, variable: "JWT_PRIVATE_KEY_FILE") }
        do {
            return try await TokenService(publicKeyPEM: publicPEM, privateKeyPEM: privatePEM, issuer: settings.jwtIssuer)
        } catch {
            throw ConfigurationError(privatePEM == nil ? "JWT_PUBLIC_KEY_FILE" : "JWT_PRIVATE_KEY_FILE", "not a PEM RSA key")
        }
    }
}
