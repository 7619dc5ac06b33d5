import Crypto
import CryptoExtras
import Foundation

/// Slow, salted password hashes (scrypt), so a leaked table is expensive to guess against.
///
/// Stored as `scrypt$N$r$p$salt$hash` (base64), so parameters can be raised later without
/// invalidating existing hashes. Hashing is CPU-bound for tens of milliseconds:
/// callers run it off the event loops.
public enum PasswordHasher {
    public struct Parameters: Sendable {
        public var rounds: Int
        public var blockSize: Int
        public var parallelism: Int
        public static let standard = Parameters(rounds: 1 << 14, blockSize: 8, parallelism: 1)
    }

    public static func hash(_ password: String, parameters: Parameters = .standard) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        let key = try derive(password, salt: salt, parameters: parameters)
        return "scrypt$\(parameters.rounds)$\(parameters.blockSize)$\(parameters.parallelism)$"
            + "\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
            let rounds = Int(parts[1]), let blockSize = Int(parts[2]), let parallelism = Int(parts[3]),
            let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5]))
        else { return false }
        let parameters = Parameters(rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        guard let actual = try? derive(password, salt: Array(salt), parameters: parameters, length: expected.count)
        else { return false }
        return constantTimeEquals(actual, Array(expected))
    }

    /// A hash of a password nobody has, so a login for an unknown user costs the same as a wrong password.
    public static let decoy: String = (try? hash(UUID().uuidString)) ?? ""

    private static func derive(_ password: String, salt: [UInt8], parameters: Parameters, length: Int = 32) throws
        -> [UInt8]
    {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: length, rounds: parameters.rounds,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
