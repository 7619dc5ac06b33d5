import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TableOrderConnections
import TableOrderCore
import Testing
@testable import TableOrderRedis

/// Against a real Redis (`REDIS_URL`), with `TABLEORDER_INTEGRATION=1`; skipped without that flag, failed
/// (not skipped) when the flag is set and the URL is not. Uses database 11 for its keys.
@Suite(.enabled(if: try RedisSmokeEnvironment.required()), .serialized)
struct RedisSmokeTests {
    private func withClient(_ body: (RedisClient, any EventLoopGroup, RedisURL) async throws -> Void) async throws {
        var url = try RedisURL(parsing: RedisSmokeEnvironment.url!)
        url.database = 11
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let client = RedisClient(url: url, security: .plaintext, eventLoopGroup: group, logger: Logger(label: "smoke"))
        do {
            try await RedisSmokeEnvironment.waitUntil { client.isConnected }
            try await body(client, group, url)
        } catch {
            await client.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        await client.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func commandsRepliesAndErrors() async throws {
        try await withClient { (client, _, _) async throws in
            let key = "smoke:\(UUID().uuidString)"
            let binary: [UInt8] = [0, 13, 10, 255, 36]
            #expect(try await client.send([Array("SET".utf8), Array(key.utf8), binary]) == .status("OK"))
            #expect(try await client.send([Array("GET".utf8), Array(key.utf8)]) == .bulk(binary))
            #expect(try await client.send("GET", key + ":absent") == .null)
            #expect(try await client.send("INCR", key + ":n") == .integer(1))
            #expect(try await client.send("LPUSH", key, "x").errorMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(try await client.send("DEL", key, key + ":n") == .integer(2))
        }
    }

    @Test func aThousandConcurrentSendsAreAllAnswered() async throws {
        try await withClient { (client, _, _) async throws in
            let key = "smoke:burst:\(UUID().uuidString)"
            let replies = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<1000 { group.addTask { try await client.send("INCR", key).int ?? -1 } }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(replies) == Set(1...1000))
            let batch = await client.sendAll((0..<500).map { _ in [Array("INCR".utf8), Array(key.utf8)] })
            #expect(batch.map { try? $0.get() } == (1001...1500).map { .integer(Int64($0)) })
            _ = try await client.send("DEL", key)
        }
    }

    @Test func theRateLimitScriptSurvivesAScriptFlush() async throws {
        try await withClient { (client, _, _) async throws in
            let limiter = RedisRateLimiter(client: client)
            let key = "smoke-\(UUID().uuidString)"
            #expect(try await limiter.consume(key: key, limit: 3, windowSeconds: 60).remaining == 2)
            #expect(try await client.send("SCRIPT", "FLUSH") == .status("OK"))
            #expect(try await limiter.consume(key: key, limit: 3, windowSeconds: 60).remaining == 1)
            #expect(try await limiter.consume(key: key, limit: 3, windowSeconds: 60).remaining == 0)
            let refused = try await limiter.consume(key: key, limit: 3, windowSeconds: 60)
            #expect(!refused.allowed && refused.retryAfterSeconds >= 1)
        }
    }

    @Test func theCacheStoreReadsWhatItStoredUntilInvalidated() async throws {
        try await withClient { (client, _, _) async throws in
            let store = RedisCacheStore(client: client)
            let storeID = UUID().uuidString
            let first = try await store.lookup(storeID: storeID, scope: .menus, key: "k")
            #expect(first.value == nil)
            try await store.store(storeID: storeID, scope: .menus, key: "k", generation: first.generation, value: [1, 2, 3], ttlSeconds: 30)
            #expect(try await store.lookup(storeID: storeID, scope: .menus, key: "k").value == [1, 2, 3])
            try await store.invalidate(storeID: storeID, scope: .menus)
            let after = try await store.lookup(storeID: storeID, scope: .menus, key: "k")
            #expect(after.generation == first.generation + 1 && after.value == nil)
        }
    }

    @Test func pubSubDeliversAndBothConnectionsComeBackAfterAKill() async throws {
        try await withClient { (client, group, url) async throws in
            let prefix = "smoke:\(UUID().uuidString):"
            let seen = NIOLockedValueBox<(subscribes: Int, messages: [String])>((0, []))
            let subscriber = RedisSubscriber(
                url: url, security: .plaintext, eventLoopGroup: group, pattern: prefix + "*", logger: Logger(label: "smoke"),
                handlers: .init(
                    onMessage: { channel, payload in seen.withLockedValue { $0.messages.append("\(channel)=\(payload)") } },
                    onSubscribed: { seen.withLockedValue { $0.subscribes += 1 } }))
            defer { Task { await subscriber.shutdown() } }
            try await RedisSmokeEnvironment.waitUntil { subscriber.isConnected }
            #expect(try await client.send("PUBLISH", prefix + "a", "one") == .integer(1))
            try await RedisSmokeEnvironment.waitUntil { seen.withLockedValue { $0.messages.count == 1 } }

            try RedisSmokeEnvironment.redisCLI(url, ["CLIENT", "KILL", "TYPE", "normal"])
            try RedisSmokeEnvironment.redisCLI(url, ["CLIENT", "KILL", "TYPE", "pubsub"])
            // Right after the kill, calls fail fast or succeed on the new connection; none hangs.
            for _ in 0..<20 {
                _ = try? await client.send("PING")
                try await Task.sleep(for: .milliseconds(20))
            }
            try await RedisSmokeEnvironment.waitUntil { client.isConnected && subscriber.isConnected }
            try await RedisSmokeEnvironment.waitUntil { seen.withLockedValue { $0.subscribes == 2 } }
            #expect(try await client.send("PING") == .status("PONG"))
            #expect(try await client.send("PUBLISH", prefix + "b", "two") == .integer(1))
            try await RedisSmokeEnvironment.waitUntil { seen.withLockedValue { $0.messages.count == 2 } }
            #expect(seen.withLockedValue { $0.messages } == [prefix + "a=one", prefix + "b=two"])
        }
    }

    @Test func theEventChannelPublishesInOrderAndListens() async throws {
        try await withClient { (client, _, _) async throws in
            let channel = RedisEventChannel(client: client, logger: Logger(label: "smoke"))
            let storeID = "smoke-\(UUID().uuidString)"
            let received = NIOLockedValueBox<[StoreEvent]>([])
            let resyncs = NIOLockedValueBox(0)
            try await channel.listen(
                onEvent: { event in if event.storeID == storeID { received.withLockedValue { $0.append(event) } } },
                onResync: { resyncs.withLockedValue { $0 += 1 } })
            defer { channel.shutdown() }
            try await RedisSmokeEnvironment.waitUntil { channel.problem == nil && resyncs.withLockedValue { $0 } == 1 }
            let events = (1...50).map { index in
                StoreEvent(
                    storeID: storeID, id: Int64(index), type: "order.created", tableID: "t1",
                    data: #"{"type":"order.created","store_id":"\#(storeID)","event_id":\#(index),"table_id":"t1"}"#)
            }
            try await channel.publish(events)
            try await RedisSmokeEnvironment.waitUntil { received.withLockedValue { $0.count } == 50 }
            #expect(received.withLockedValue { $0.map(\.id) } == Array(1...50))
        }
    }
}

enum RedisSmokeEnvironment {
    static let env = ProcessInfo.processInfo.environment
    static var url: String? { env["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// True with `TABLEORDER_INTEGRATION=1` and a `REDIS_URL`; false without the flag; a failure with the flag
    /// and no URL.
    static func required(_ more: String...) throws -> Bool {
        guard env["TABLEORDER_INTEGRATION"] == "1" else { return false }
        let missing = (["REDIS_URL"] + more).filter { env[$0]?.isEmpty ?? true }
        guard missing.isEmpty else {
            throw Missing(description: "TABLEORDER_INTEGRATION=1 but \(missing.joined(separator: ", ")) is not set")
        }
        return true
    }

    /// The first of these variables that is set and not empty (ours, then the names `ops/test.sh` exports).
    static func value(_ names: String...) -> String? {
        names.lazy.compactMap { env[$0] }.first { !$0.isEmpty }
    }

    static func waitUntil(timeout: Duration = .seconds(10), _ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw Missing(description: "timed out waiting") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `redis-cli` against the URL's server (not the database: `CLIENT KILL` is server-wide).
    static func redisCLI(_ url: RedisURL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-h", url.host, "-p", String(url.port)] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }
}
