import Foundation
import NIOHTTP1
import TableOrderAuth
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// Contract §3 "Ending tokens" on real processes: logout, a password change and a table's reset end the
/// tokens they should, on every API process within 5 s, and after a restart too; nothing else ends.
/// Production mode runs two API processes on the same services; development mode one (its index 1 is it).
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct TokenRevocationTests {
    /// The contract's bound on how long a revoked token may still work on any pod.
    static let bound: Duration = .seconds(5)

    static func start(_ mode: Mode) async throws -> Cluster {
        // The tests poll with the same tokens many times a second: the per-user window must not refuse them.
        try await Cluster.start(mode, apis: 2, environment: ["RATE_LIMIT": "100000"])
    }

    /// An authenticated read the token's role may make.
    static func probe(_ role: AccessClaims.Role) -> String {
        role == .admin ? "/api/admin/tables" : "/api/table/orders"
    }

    /// The status the API answers the token with.
    static func status(_ cluster: Cluster, api: Int, token: String, role: AccessClaims.Role) async throws -> Int {
        try await cluster.http(api).get(probe(role), token: token).status
    }

    /// Polls until the API refuses the token with 401 `UNAUTHORIZED`; fails after `bound`. Returns how long
    /// it took from `since`.
    @discardableResult
    static func refused(
        _ cluster: Cluster, api: Int, token: String, role: AccessClaims.Role, since: ContinuousClock.Instant,
        _ what: String
    ) async throws -> Duration {
        let deadline = since + bound
        while true {
            let result = try await cluster.http(api).get(probe(role), token: token)
            if result.status == 401 {
                #expect(result.errorCode == "UNAUTHORIZED", "\(what)")
                return since.duration(to: .now)
            }
            #expect(result.status == 200, "\(what): \(result.status) \(result.text)")
            guard ContinuousClock.now < deadline else {
                Issue.record("\(what): still accepted \(bound) after it was revoked")
                return since.duration(to: .now)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func login(_ cluster: Cluster, _ store: SeededStore, password: String, api: Int = 0) async throws -> HTTPResult {
        try await cluster.http(api).post(
            "/api/auth/admin/login", json: ["store_id": store.storeID, "username": "admin", "password": password])
    }

    static func tableLogin(_ cluster: Cluster, _ store: SeededStore, table: Int, password: String) async throws
        -> HTTPResult
    {
        try await cluster.http().post(
            "/api/auth/table/login", json: ["store_id": store.storeID, "table_number": table, "password": password])
    }

    @Test(arguments: Mode.allCases)
    func logoutEndsThatTokenOnlyAndSurvivesARestart(mode: Mode) async throws {
        let cluster = try await Self.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let leaving = try await cluster.adminToken(store)
        let staying = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        for api in [0, 1] { #expect(try await Self.status(cluster, api: api, token: leaving, role: .admin) == 200) }
        // A stream opened with the token, on the API that will not take the logout: it must end too.
        let stream = try await SSEClient.open(cluster.baseURL(1), token: leaving)
        defer { stream.close() }
        #expect(stream.status == 200)

        let logout = try await cluster.http().request(.POST, "/api/auth/logout", token: leaving)
        let accepted = ContinuousClock.now
        #expect(logout.status == 204, "\(logout.text)")
        #expect(logout.body.isEmpty)
        // The API that took the logout refuses the token at once, the other one within the bound.
        #expect(try await Self.status(cluster, api: 0, token: leaving, role: .admin) == 401)
        let elsewhere = try await Self.refused(
            cluster, api: 1, token: leaving, role: .admin, since: accepted, "logged-out token on the other API")
        print("TokenRevocationTests[\(mode)]: logout refused on the other API after \(elsewhere)")
        _ = try await Cluster.eventually(timeout: .seconds(5), "the logged-out token's open stream ended") {
            stream.isFinished ? true : nil
        }
        // The same user's other token, and the table's, still work; logging out twice is 401.
        for api in [0, 1] {
            #expect(try await Self.status(cluster, api: api, token: staying, role: .admin) == 200)
            #expect(try await Self.status(cluster, api: api, token: table, role: .table) == 200)
        }
        let again = try await cluster.http(1).request(.POST, "/api/auth/logout", token: leaving)
        #expect(again.status == 401 && again.errorCode == "UNAUTHORIZED")
        #expect(try await cluster.http().request(.POST, "/api/auth/logout").status == 401, "no token")

        // A table logs out the same way.
        let tableLogout = try await cluster.http(1).request(.POST, "/api/auth/logout", token: table)
        #expect(tableLogout.status == 204)
        try await Self.refused(cluster, api: 0, token: table, role: .table, since: .now, "logged-out table token")

        // Revocation is in the database, not in the process: a restarted API refuses the token from the start.
        #expect(await cluster.restartAPI(0) == 0)
        #expect(try await Self.status(cluster, api: 0, token: leaving, role: .admin) == 401)
        #expect(try await Self.status(cluster, api: 0, token: table, role: .table) == 401)
        #expect(try await Self.status(cluster, api: 0, token: staying, role: .admin) == 200)
    }

    @Test(arguments: Mode.allCases)
    func aTableResetEndsTheTablesOlderTokensOnEveryAPI(mode: Mode) async throws {
        let cluster = try await Self.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let reset = try await cluster.tableToken(store, table: 1)
        let other = try await cluster.tableToken(store, table: 2)
        // Both APIs have verified (and remembered) the token before the reset.
        for api in [0, 1] { #expect(try await Self.status(cluster, api: api, token: reset, role: .table) == 200) }

        let posted = try await cluster.http(0).post(
            "/api/admin/tables", token: admin, json: ["table_number": 1, "password": "new-table-pass"])
        let accepted = ContinuousClock.now
        #expect(posted.status == 202, "\(posted.text)")
        let second = try await Self.refused(
            cluster, api: 1, token: reset, role: .table, since: accepted, "reset table's token on the second API")
        try await Self.refused(cluster, api: 0, token: reset, role: .table, since: accepted, "reset table's token")
        print("TokenRevocationTests[\(mode)]: table reset refused on the second API after \(second)")
        for api in [0, 1] {
            #expect(try await Self.status(cluster, api: api, token: other, role: .table) == 200, "another table")
            #expect(try await Self.status(cluster, api: api, token: admin, role: .admin) == 200, "the admin")
        }

        // The new password logs in (once the worker has stored it) and its token works; the old one is refused.
        let fresh = try await Cluster.eventually(timeout: .seconds(10), "a login with the new password") {
            let login = try await Self.tableLogin(cluster, store, table: 1, password: "new-table-pass")
            return login.status == 200 ? login.json["access_token"] as? String : nil
        }
        for api in [0, 1] { #expect(try await Self.status(cluster, api: api, token: fresh, role: .table) == 200) }
        let old = try await Self.tableLogin(cluster, store, table: 1, password: store.tablePassword)
        #expect(old.status == 401 && old.errorCode == "INVALID_CREDENTIALS")
        #expect(try await Self.status(cluster, api: 1, token: reset, role: .table) == 401)
    }

    @Test(arguments: Mode.allCases)
    func aPasswordChangeEndsTheAdminsOlderTokens(mode: Mode) async throws {
        let cluster = try await Self.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let otherSession = try await cluster.adminToken(store, api: 1)
        let table = try await cluster.tableToken(store)
        let newPassword = "brand-new-pass"

        // A wrong current password: 401 INVALID_CREDENTIALS, and nothing changes.
        let wrong = try await cluster.http().request(
            .PUT, "/api/admin/password", token: admin,
            json: ["current_password": "not-it", "new_password": newPassword])
        #expect(wrong.status == 401 && wrong.errorCode == "INVALID_CREDENTIALS", "\(wrong.text)")
        let short = try await cluster.http().request(
            .PUT, "/api/admin/password", token: admin,
            json: ["current_password": store.adminPassword, "new_password": "short"])
        #expect(short.status == 400 && short.errorCode == "VALIDATION_ERROR")
        #expect(try await Self.status(cluster, api: 0, token: admin, role: .admin) == 200)
        #expect(try await Self.login(cluster, store, password: store.adminPassword).status == 200)
        #expect(try await Self.login(cluster, store, password: newPassword).status == 401)
        #expect(
            try await cluster.count(
                "SELECT credential_version FROM admins WHERE store_id = ? AND username = 'admin'", [.text(store.storeID)]) == 0)
        // Only a token of the admin role may change it.
        let byTable = try await cluster.http().request(
            .PUT, "/api/admin/password", token: table,
            json: ["current_password": store.tablePassword, "new_password": newPassword])
        #expect(byTable.status == 403)

        // The right one: 202, then every older token of the admin is refused everywhere.
        let changed = try await cluster.http().request(
            .PUT, "/api/admin/password", token: admin,
            json: ["current_password": store.adminPassword, "new_password": newPassword])
        let accepted = ContinuousClock.now
        #expect(changed.status == 202, "\(changed.text)")
        #expect(changed.json["status"] as? String == "accepted")
        #expect(changed.json["id"] is String)
        let elsewhere = try await Self.refused(
            cluster, api: 1, token: admin, role: .admin, since: accepted, "the changing token on the other API")
        try await Self.refused(cluster, api: 0, token: otherSession, role: .admin, since: accepted, "the admin's other token")
        print("TokenRevocationTests[\(mode)]: password change refused on the other API after \(elsewhere)")
        #expect(try await Self.status(cluster, api: 1, token: table, role: .table) == 200, "a table's token is not the admin's")

        let fresh = try await Cluster.eventually(timeout: .seconds(10), "a login with the new password") {
            let login = try await Self.login(cluster, store, password: newPassword, api: 1)
            return login.status == 200 ? login.json["access_token"] as? String : nil
        }
        for api in [0, 1] { #expect(try await Self.status(cluster, api: api, token: fresh, role: .admin) == 200) }
        let old = try await Self.login(cluster, store, password: store.adminPassword)
        #expect(old.status == 401 && old.errorCode == "INVALID_CREDENTIALS")

        #expect(await cluster.restartAPI(cluster.apis.count - 1) == 0)  // the second (development: the only one)
        #expect(try await Self.status(cluster, api: 1, token: admin, role: .admin) == 401)
        #expect(try await Self.status(cluster, api: 1, token: otherSession, role: .admin) == 401)
        #expect(try await Self.status(cluster, api: 1, token: fresh, role: .admin) == 200)
    }
}
