import Crypto
import Foundation
import TableOrderCore

/// `RateLimiter` in Redis: one script call per request (a sorted set of the window's requests per key),
/// atomic, on Redis's clock so every pod counts the same window. The script goes by its digest
/// (`EVALSHA`), so Redis neither receives nor hashes its text each time; `NOSCRIPT` (a restarted or
/// flushed Redis) falls back to `EVAL`, which caches it again.
public struct RedisRateLimiter: RateLimiter {
    private let client: RedisClient

    private static let script = Array(
        """
        local key = KEYS[1]
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
        local count = redis.call('ZCARD', key)
        if count < limit then
            redis.call('ZADD', key, now, t[1] .. t[2] .. ARGV[3])
            redis.call('PEXPIRE', key, window)
            return {1, limit - count - 1, 0}
        end
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        return {0, 0, tonumber(oldest[2]) + window - now}
        """.utf8)

    private static let digest = Array(Insecure.SHA1.hash(data: script).map { String(format: "%02x", $0) }.joined().utf8)

    public init(client: RedisClient) { self.client = client }

    public func consume(key: String, limit: Int, windowSeconds: Int) async throws -> RateLimitDecision {
        var random = FastRandom()  // a member unique within the millisecond; nothing secret
        let arguments = [
            Array("1".utf8), Array("tableorder:rl:\(key)".utf8), Array(String(limit).utf8),
            Array(String(windowSeconds * 1000).utf8), Array(String(UInt32.random(in: 0 ... .max, using: &random)).utf8),
        ]
        var reply = try await client.send([Array("EVALSHA".utf8), Self.digest] + arguments)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            reply = try await client.send([Array("EVAL".utf8), Self.script] + arguments)
        }
        guard case .array(let parts) = reply, parts.count == 3, let allowed = parts[0].int,
            let remaining = parts[1].int, let retryMs = parts[2].int
        else {
            if case .error(let message) = reply { throw RedisError(message) }
            throw RedisError("unexpected rate limiter reply")
        }
        return RateLimitDecision(
            allowed: allowed == 1, limit: limit, remaining: Int(remaining),
            retryAfterSeconds: allowed == 1 ? 0 : max(1, Int((retryMs + 999) / 1000)))
    }
}
