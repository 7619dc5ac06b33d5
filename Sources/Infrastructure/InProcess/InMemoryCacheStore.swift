import Foundation
import NIOConcurrencyHelpers
import TableOrderCore

/// `CacheStore` for one process (development mode, tests): the same generations and TTLs, in memory.
public final class InMemoryCacheStore: CacheStore {
    private struct Entry {
        var value: [UInt8]
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var generations: [String: Int64] = [:]
        var entries: [String: Entry] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    private static func scopeKey(_ storeID: String, _ scope: CacheScope) -> String { "\(storeID)|\(scope.rawValue)" }

    public func lookup(storeID: String, scope: CacheScope, key: String) async throws -> (generation: Int64, value: [UInt8]?) {
        let scopeKey = Self.scopeKey(storeID, scope)
        return state.withLockedValue { state in
            let generation = state.generations[scopeKey] ?? 0
            let fullKey = "\(scopeKey)|\(generation)|\(key)"
            guard let entry = state.entries[fullKey] else { return (generation, nil) }
            guard entry.expires > .now else {
                state.entries[fullKey] = nil
                return (generation, nil)
            }
            return (generation, entry.value)
        }
    }

    public func store(
        storeID: String, scope: CacheScope, key: String, generation: Int64, value: [UInt8], ttlSeconds: Int
    ) async throws {
        let scopeKey = Self.scopeKey(storeID, scope)
        state.withLockedValue { state in
            // Entries of older generations are unreachable; drop them as we go so memory stays bounded.
            let current = state.generations[scopeKey] ?? 0
            guard generation == current else { return }
            state.entries["\(scopeKey)|\(generation)|\(key)"] = Entry(value: value, expires: .now + .seconds(ttlSeconds))
        }
    }

    public func invalidate(storeID: String, scope: CacheScope) async throws {
        let scopeKey = Self.scopeKey(storeID, scope)
        state.withLockedValue { state in
            state.generations[scopeKey, default: 0] += 1
            state.entries = state.entries.filter { !$0.key.hasPrefix(scopeKey + "|") }
        }
    }

    public var problem: DependencyProblem? { nil }
}
