import TableOrderCore

/// `CacheStore` in Redis. Keys carry the store as a hash tag (`{store}`), so a cluster keeps a store's
/// keys on one shard and the lookup script stays single-slot.
public final class RedisCacheStore: CacheStore {
    private let client: RedisClient

    /// Reads the generation and the value under it in one round trip.
    private static let lookupScript = Array(
        """
        local g = redis.call('GET', KEYS[1]) or '0'
        return {g, redis.call('GET', KEYS[1] .. ':' .. g .. ':' .. ARGV[1])}
        """.utf8)

    public init(client: RedisClient) { self.client = client }

    static func generationKey(_ storeID: String, _ scope: CacheScope) -> String {
        "tableorder:{\(storeID)}:cache:\(scope.rawValue)"
    }

    public func lookup(storeID: String, scope: CacheScope, key: String) async throws -> (
        generation: Int64, value: [UInt8]?
    ) {
        let reply = try await client.send([
            Array("EVAL".utf8), Self.lookupScript, Array("1".utf8), Array(Self.generationKey(storeID, scope).utf8),
            Array(key.utf8),
        ])
        switch reply {
        case .array(let parts) where parts.count >= 1:
            return (parts[0].int ?? 0, parts.count > 1 ? parts[1].bytes : nil)
        case .error(let message):
            throw RedisError(message)
        default:
            return (0, nil)
        }
    }

    public func store(
        storeID: String, scope: CacheScope, key: String, generation: Int64, value: [UInt8], ttlSeconds: Int
    ) async throws {
        let fullKey = "\(Self.generationKey(storeID, scope)):\(generation):\(key)"
        let reply = try await client.send([
            Array("SET".utf8), Array(fullKey.utf8), value, Array("EX".utf8), Array(String(ttlSeconds).utf8),
        ])
        if case .error(let message) = reply { throw RedisError(message) }
    }

    public func invalidate(storeID: String, scope: CacheScope) async throws {
        let reply = try await client.send("INCR", Self.generationKey(storeID, scope))
        if case .error(let message) = reply { throw RedisError(message) }
    }

    public var problem: DependencyProblem? {
        client.isConnected ? nil : DependencyProblem("redis", client.lastErrorDescription)
    }
}
