import Logging

/// Cache-aside reads of the original design: look in the cache, else load and fill it.
/// A cache that is down is bypassed (reads go to the database), never fatal.
public struct CacheManager: Sendable {
    public let store: any CacheStore
    public let defaultTTL: Int
    public let menuTTL: Int
    let logger: Logger

    public init(store: any CacheStore, defaultTTL: Int, menuTTL: Int, logger: Logger) {
        self.store = store
        self.defaultTTL = defaultTTL
        self.menuTTL = menuTTL
        self.logger = logger
    }

    /// Returns the cached bytes for (store, scope, key), or loads them; `nil` from `load` is not cached.
    public func fetch(
        storeID: String, scope: CacheScope, key: String, load: () async throws -> [UInt8]?
    ) async throws -> [UInt8]? {
        var generation: Int64?
        do {
            let hit = try await store.lookup(storeID: storeID, scope: scope, key: key)
            if let value = hit.value { return value }
            generation = hit.generation
        } catch {
            logger.debug("cache bypassed", metadata: ["error": "\(error)"])
        }
        guard let value = try await load() else { return nil }
        if let generation {
            let ttl = scope == .menus ? menuTTL : defaultTTL
            try? await store.store(
                storeID: storeID, scope: scope, key: key, generation: generation, value: value, ttlSeconds: ttl)
        }
        return value
    }

    /// Drops every cached read of the scope for the store. Failures are logged: the TTL bounds staleness.
    public func invalidate(storeID: String, scopes: [CacheScope]) async {
        for scope in scopes {
            do {
                try await store.invalidate(storeID: storeID, scope: scope)
            } catch {
                logger.warning("cache invalidation failed", metadata: ["store": "\(storeID)", "error": "\(error)"])
            }
        }
    }
}
