/// What a store's cached reads are grouped by: invalidating a scope drops all of its keys at once.
public enum CacheScope: String, Sendable {
    case menus
    case orders
}

/// Key-value storage behind `CacheManager`, with per-(store, scope) generations.
///
/// Invalidation bumps the generation instead of deleting keys: its cost is one command whatever the
/// number of keys (no `KEYS`, no `SCAN`), and a reader that loaded stale data before the bump writes it
/// under the old generation, where nobody reads it any more.
public protocol CacheStore: Sendable {
    /// The current generation and the value stored under it, in one round trip.
    func lookup(storeID: String, scope: CacheScope, key: String) async throws -> (generation: Int64, value: [UInt8]?)
    func store(storeID: String, scope: CacheScope, key: String, generation: Int64, value: [UInt8], ttlSeconds: Int)
        async throws
    func invalidate(storeID: String, scope: CacheScope) async throws
    var problem: DependencyProblem? { get }
}
