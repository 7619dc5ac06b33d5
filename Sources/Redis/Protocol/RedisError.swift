/// Redis could not answer (down, unreachable, stopped, or it replied with an error the caller turned
/// into a throw). Callers treat every case alike: bypass the cache, fail the limiter open or closed.
public struct RedisError: Error, CustomStringConvertible {
    public let description: String

    /// - Parameters:
    ///   - description: What went wrong, for logs and `/readyz`.
    public init(_ description: String) { self.description = description }
}
