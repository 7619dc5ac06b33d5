import Foundation

/// How long an access token lives (contract §3). The API signs tokens with it; the worker keeps a
/// revocation until every token it revokes has expired.
public enum TokenLifetime {
    public static let admin: TimeInterval = 12 * 3600
    public static let table: TimeInterval = 16 * 3600
}
