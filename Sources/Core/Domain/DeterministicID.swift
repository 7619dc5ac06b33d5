import Crypto
import Foundation

/// UUIDs derived from names (SHA-256, version-8 layout), so the same inputs always give the same id:
/// an `Idempotency-Key` maps to one `order_id` on every API pod without shared state, and seeding
/// twice keeps every id.
public enum DeterministicID {
    public static func make(_ parts: String...) -> UUID {
        make(parts: parts)
    }

    public static func make(parts: [String]) -> UUID {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Array(String(part.utf8.count).utf8) + [0x3A] + Array(part.utf8))
        }
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8: custom
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// A hex SHA-256 fingerprint, for comparing request bodies.
    public static func fingerprint(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
