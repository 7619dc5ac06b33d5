import Foundation
import Logging
import NIOPosix
import TableOrderConnections
import TableOrderCore
import Synchronization
import Testing
@testable import TableOrderRedis

/// Against a Redis that speaks TLS, with `TABLEORDER_REDIS_TLS=1`: `REDIS_TLS_URL` (`rediss://…`, or
/// `TO_REDISS_URL`) and `TLS_CA_FILE` (the CA that signed its certificate, or `TO_TLS_CA_FILE`) must then be set.
@Suite(.enabled(if: try RedisTLSSmokeEnvironment.required()), .serialized)
struct RedisTLSSmokeTests {
    @Test func commandsAndASubscriptionOverTLS() async throws {
        let url = try RedisURL(parsing: try #require(RedisTLSSmokeEnvironment.url))
        #expect(url.tls)
        let caFile: String = try #require(RedisTLSSmokeEnvironment.caFile)
        let security = try TransportSecurity.tls(trustRootsFile: caFile)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let client = RedisClient(url: url, security: security, eventLoopGroup: group, logger: Logger(label: "tls-smoke"))
        try await RedisSmokeEnvironment.waitUntil { client.isConnected }
        let replies = try await withThrowingTaskGroup(of: RESPValue.self) { tasks in
            for _ in 0..<200 { tasks.addTask { try await client.send("PING") } }
            return try await tasks.reduce(into: [RESPValue]()) { $0.append($1) }
        }
        #expect(replies == Array(repeating: .status("PONG"), count: 200))
        let received = Atomic(false)
        let subscriber = RedisSubscriber(
            url: url, security: security, eventLoopGroup: group, pattern: "tls-smoke:*", logger: Logger(label: "tls-smoke"),
            handlers: .init(onMessage: { _, _ in received.store(true, ordering: .relaxed) }, onSubscribed: {}))
        try await RedisSmokeEnvironment.waitUntil { subscriber.isConnected }
        _ = try await client.send("PUBLISH", "tls-smoke:x", "hello")
        try await RedisSmokeEnvironment.waitUntil { received.load(ordering: .relaxed) }
        await subscriber.shutdown()
        await client.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func aServerWhoseCertificateIsNotTrustedIsRefused() async throws {
        let url = try RedisURL(parsing: try #require(RedisTLSSmokeEnvironment.url))
        // The system's roots do not include a private test CA.
        let client = RedisClient(url: url, security: try .tls(trustRootsFile: nil), logger: Logger(label: "tls-smoke"))
        // Waits for the first attempt to end (a loaded machine may take a while to get that far).
        let deadline = ContinuousClock.now + .seconds(30)
        while client.lastErrorDescription == "not yet connected", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!client.isConnected)
        #expect(client.lastErrorDescription.contains("handshake") || client.lastErrorDescription.contains("certificate"))
        await #expect(throws: RedisError.self) { try await client.send("PING") }
        await client.shutdown()
    }
}

enum RedisTLSSmokeEnvironment {
    static var url: String? { RedisSmokeEnvironment.value("REDIS_TLS_URL", "TO_REDISS_URL") }
    static var caFile: String? { RedisSmokeEnvironment.value("TLS_CA_FILE", "TO_TLS_CA_FILE") }

    static func required() throws -> Bool {
        guard RedisSmokeEnvironment.env["TABLEORDER_REDIS_TLS"] == "1" else { return false }
        let missing = [("REDIS_TLS_URL", url), ("TLS_CA_FILE", caFile)].filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else {
            throw RedisSmokeEnvironment.Missing(description: "TABLEORDER_REDIS_TLS=1 but \(missing.joined(separator: ", ")) is not set")
        }
        return true
    }
}
