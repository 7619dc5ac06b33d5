import Foundation
import NIOHTTP1
import Testing

/// Contract §4 (per user, shared by every API process) and the login limits of §3.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct RateLimitTests {
    @Test(arguments: Mode.allCases)
    func slidingWindowSharedByTwoAPIProcesses(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode, 
            apis: 2, workers: 0,
            environment: ["RATE_LIMIT": "5", "RATE_LIMIT_WINDOW_SECONDS": "3", "REDIS_URL": TestEnvironment.redisURL(database: 3)])
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        var remaining: [String] = []
        for index in 0..<5 {
            let result = try await cluster.http(index % 2).get("/api/admin/tables", token: admin)
            #expect(result.status == 200)
            #expect(result.headers.first(name: "X-RateLimit-Limit") == "5")
            remaining.append(result.headers.first(name: "X-RateLimit-Remaining") ?? "")
        }
        #expect(remaining == ["4", "3", "2", "1", "0"])
        for index in 0..<4 {
            let refused = try await cluster.http(index % 2).get("/api/admin/tables", token: admin)
            #expect(refused.status == 429)
            #expect(refused.errorCode == "RATE_LIMIT_EXCEEDED")
            let retry = Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0
            #expect((1...3).contains(retry))
        }
        // Refused requests did not consume the window: once the first five slide out, requests pass again.
        // The window slides by Redis's clock (`TIME` in the script), so here time itself has to pass.
        try await Task.sleep(for: .milliseconds(3200))
        let again = try await cluster.http(1).get("/api/admin/tables", token: admin)
        #expect(again.status == 200)
        #expect(again.headers.first(name: "X-RateLimit-Remaining") == "4")
        // Another user has a window of their own; unauthenticated reads are not counted.
        let table = try await cluster.tableToken(store)
        #expect(try await cluster.http().get("/api/table/orders", token: table).headers.first(name: "X-RateLimit-Remaining") == "4")
        #expect(try await cluster.http().get("/api/stores/\(store.storeID)/menus").headers.first(name: "X-RateLimit-Limit") == nil)
    }

    @Test(arguments: Mode.allCases)
    func loginGuessingIsSlowed(mode: Mode) async throws {
        // Its own Redis database: every test logs in from 127.0.0.1, and the per-address window is shared.
        let cluster = try await Cluster.start(mode, 
            apis: 1, workers: 0, environment: ["LOGIN_RATE_LIMIT": "3", "REDIS_URL": TestEnvironment.redisURL(database: 4)])
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        var statuses: [Int] = []
        for _ in 0..<5 {
            statuses.append(
                try await cluster.http().post(
                    "/api/auth/admin/login", json: ["store_id": store.storeID, "username": "admin", "password": "guess"]
                ).status)
        }
        #expect(statuses == [401, 401, 401, 429, 429])
        let limited = try await cluster.http().post(
            "/api/auth/admin/login", json: ["store_id": store.storeID, "username": "admin", "password": store.adminPassword])
        #expect(limited.status == 429, "even the right password waits once the account is being guessed")
        #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
        // Another account is not affected (the per-address limit is three times higher).
        let table = try await cluster.http().post(
            "/api/auth/table/login", json: ["store_id": store.storeID, "table_number": 1, "password": store.tablePassword])
        #expect(table.status == 200)
    }
}
