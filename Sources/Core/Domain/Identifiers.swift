import Foundation

/// A store's public id, as it appears in URLs and tokens: `^[a-z0-9][a-z0-9-]{0,31}$`.
public enum StoreID {
    public static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...32).contains(bytes.count) else { return false }
        func isAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        guard isAlnum(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { isAlnum($0) || $0 == 45 }
    }
}

extension UUID {
    /// The lowercase textual form used on the wire and in the database.
    public var lowercased: String { uuidString.lowercased() }
}
