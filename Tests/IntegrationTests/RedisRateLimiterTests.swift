#if canImport(TableOrderRedis)
import Foundation
import Logging
import Testing
import TableOrderCore
import TableOrderRedis

/// The limiter calls its script by digest; a Redis that has forgotten it (restarted, `SCRIPT FLUSH`) gets the
/// script again and the window carries on.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct RedisRateLimiterTests {
    @Test func theScriptIsSentAgainWhenRedisForgetsIt() async throws {
        let client = try BrokerClients.redis(database: 4, name: "test-limiter")
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + .seconds(10)
        while !client.isConnected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let limiter = RedisRateLimiter(client: client)
        let key = "script-\(UUID().uuidString)"
        #expect(try await limiter.consume(key: key, limit: 3, windowSeconds: 60).remaining == 2)
        #expect(try await client.send("SCRIPT", "FLUSH") == .status("OK"))
        #expect(try await limiter.consume(key: key, limit: 3, windowSeconds: 60).remaining == 1)
        #expect(try await limiter.consume(key: key, limit: 3, windowSeconds: 60).remaining == 0)
        #expect(try await !limiter.consume(key: key, limit: 3, windowSeconds: 60).allowed)
    }
}
#endif
