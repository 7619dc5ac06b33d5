import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization
import TableOrderConnections
import TableOrderCore
import Testing
@testable import TableOrderRedis

/// Against real sentinels, with `TABLEORDER_REDIS_SENTINEL=1`: `REDIS_SENTINELS`, `REDIS_SENTINEL_MASTER`
/// and `REDIS_URL` (credentials only) must then be set (or `ops/redis-sentinel.sh`'s `TO_SENTINELS`,
/// `TO_SENTINEL_MASTER`, `TO_SENTINEL_REDIS_URL`). Forces a failover with `SENTINEL FAILOVER` (or, with
/// `TABLEORDER_REDIS_FAILOVER=shutdown`, by shutting the primary down) under a steady write load, and checks
/// that the client and the subscription both end up on the new primary by themselves.
@Suite(.enabled(if: try RedisSentinelSmokeEnvironment.required()), .serialized)
struct RedisSentinelSmokeTests {
    @Test func clientAndSubscriptionFollowAFailover() async throws {
        let env = ProcessInfo.processInfo.environment
        let sentinels = try #require(
            try RedisSentinels(sentinels: RedisSentinelSmokeEnvironment.sentinels, master: RedisSentinelSmokeEnvironment.master))
        let url = try RedisURL(parsing: try #require(RedisSentinelSmokeEnvironment.url))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let logger = Logger(label: "sentinel-smoke")
        let client = RedisClient(url: url, sentinels: sentinels, security: .plaintext, eventLoopGroup: group, logger: logger)
        let channel = "smoke:failover:\(UUID().uuidString)"
        let seen = NIOLockedValueBox<(subscribes: Int, messages: Set<String>)>((0, []))
        let subscriber = RedisSubscriber(
            url: url, sentinels: sentinels, security: .plaintext, eventLoopGroup: group, pattern: channel, logger: logger,
            handlers: .init(
                onMessage: { _, payload in seen.withLockedValue { _ = $0.messages.insert(payload) } },
                onSubscribed: { seen.withLockedValue { $0.subscribes += 1 } }))
        try await RedisSmokeEnvironment.waitUntil { client.isConnected && subscriber.isConnected }
        let before = try Self.primary(sentinels)

        let key = "smoke:failover:\(UUID().uuidString)"
        let stop = Atomic<Bool>(false)
        let counts = NIOLockedValueBox<(ok: Int, failed: Int, readOnly: Int)>((0, 0, 0))
        let writer = Task {
            var sequence = 0
            while !stop.load(ordering: .relaxed) {
                sequence += 1
                do {
                    let reply = try await client.send("INCR", key)
                    counts.withLockedValue { if reply.errorMessage?.hasPrefix("READONLY") == true { $0.readOnly += 1 } else { $0.ok += 1 } }
                    _ = try await client.send("PUBLISH", channel, "m\(sequence)")
                } catch {
                    counts.withLockedValue { $0.failed += 1 }
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        if env["TABLEORDER_REDIS_FAILOVER"] == "shutdown" {
            // The primary dies (restarting it is the caller's business); the sentinels fail over once it is down.
            try RedisSmokeEnvironment.redisCLI(RedisURL(host: before.host, port: before.port), ["SHUTDOWN", "NOSAVE"])
        } else {
            try RedisSmokeEnvironment.redisCLI(
                RedisURL(host: sentinels.endpoints[0].host, port: sentinels.endpoints[0].port),
                ["SENTINEL", "FAILOVER", sentinels.masterName])
        }
        try await RedisSmokeEnvironment.waitUntil(timeout: .seconds(30)) { (try? Self.primary(sentinels)).map { $0 != before } ?? false }
        let after = try Self.primary(sentinels)
        try await RedisSmokeEnvironment.waitUntil(timeout: .seconds(30)) {
            client.isConnected && subscriber.isConnected && seen.withLockedValue { $0.subscribes } >= 2
        }
        let okAtChange = counts.withLockedValue { $0.ok }
        try await RedisSmokeEnvironment.waitUntil(timeout: .seconds(10)) { counts.withLockedValue { $0.ok } > okAtChange + 20 }
        stop.store(true, ordering: .relaxed)
        await writer.value

        // Every connection of the client is on the new primary.
        for _ in 0..<10 {
            let port = try await client.send("CONFIG", "GET", "port")
            #expect(port == .array([.bulk(Array("port".utf8)), .bulk(Array(String(after.port).utf8))]))
        }
        let marker = "after-\(UUID().uuidString)"
        _ = try await client.send("PUBLISH", channel, marker)
        try await RedisSmokeEnvironment.waitUntil { seen.withLockedValue { $0.messages.contains(marker) } }
        let final = counts.withLockedValue { $0 }
        logger.info("failover: \(before) → \(after); writes ok \(final.ok), failed \(final.failed), READONLY \(final.readOnly)")

        await subscriber.shutdown()
        await client.shutdown()
        try await group.shutdownGracefully()
    }

    /// The primary the first sentinel names.
    private static func primary(_ sentinels: RedisSentinels) throws -> BrokerEndpoint {
        let endpoint = sentinels.endpoints[0]
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-h", endpoint.host, "-p", String(endpoint.port), "SENTINEL", "get-master-addr-by-name", sentinels.masterName]
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        guard lines.count == 2, let port = Int(lines[1]) else { throw RedisError("no primary from \(endpoint)") }
        return BrokerEndpoint(host: String(lines[0]), port: port)
    }
}

enum RedisSentinelSmokeEnvironment {
    static var sentinels: String? { RedisSmokeEnvironment.value("REDIS_SENTINELS", "TO_SENTINELS") }
    static var master: String? { RedisSmokeEnvironment.value("REDIS_SENTINEL_MASTER", "TO_SENTINEL_MASTER") }
    static var url: String? { RedisSmokeEnvironment.value("REDIS_URL", "TO_SENTINEL_REDIS_URL") }

    static func required() throws -> Bool {
        guard RedisSmokeEnvironment.env["TABLEORDER_REDIS_SENTINEL"] == "1" else { return false }
        let missing = [("REDIS_URL", url), ("REDIS_SENTINELS", sentinels), ("REDIS_SENTINEL_MASTER", master)]
            .filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else {
            throw RedisSmokeEnvironment.Missing(description: "TABLEORDER_REDIS_SENTINEL=1 but \(missing.joined(separator: ", ")) is not set")
        }
        return true
    }
}
