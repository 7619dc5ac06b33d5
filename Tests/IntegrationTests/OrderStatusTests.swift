import Foundation
import NIOHTTP1
import PostgresNIO
import Testing

/// Status flow, deletion, tables and sessions (contract §6, §7).
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct OrderStatusTests {
    @Test(arguments: Mode.allCases)
    func statusFlowAndInvalidTransitions(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        let http = cluster.http()
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        let orderID = try await cluster.placeOrder(store, token: table)
        await stream.waitFor { $0.contains { $0.event == "order_created" } }

        func patch(_ status: String, token: String? = nil) async throws -> HTTPResult {
            try await http.request(.PATCH, "/api/admin/orders/\(orderID)/status", token: token ?? admin, json: ["status": status])
        }
        for skipped in ["completed", "pending"] {
            let refused = try await patch(skipped)
            #expect(refused.status == 409, "pending → \(skipped)")
            #expect(refused.errorCode == "INVALID_TRANSITION")
        }
        #expect(try await patch("eaten").status == 400)
        #expect(try await patch("preparing", token: table).status == 403)
        let moved = try await patch("preparing")
        #expect(moved.status == 202)
        #expect(moved.json["id"] as? String == orderID)
        let events = await stream.waitFor { $0.contains { $0.event == "order_status_changed" } }
        let change = try #require(events.first { $0.event == "order_status_changed" }?.json)
        #expect(change["order_id"] as? String == orderID)
        #expect(change["from"] as? String == "pending" && change["to"] as? String == "preparing")
        #expect(change["table_id"] is String)
        #expect(try await http.get("/api/orders/\(orderID)", token: table).json["status"] as? String == "preparing")
        #expect(try await patch("completed").status == 202)
        await stream.waitFor { $0.filter { $0.event == "order_status_changed" }.count == 2 }
        for next in ["cancelled", "preparing", "completed"] {
            #expect(try await patch(next).status == 409, "nothing leaves completed")
        }
        let unknown = try await http.request(
            .PATCH, "/api/admin/orders/\(UUID().uuidString)/status", token: admin, json: ["status": "preparing"])
        #expect(unknown.status == 404)
        let otherStore = try await cluster.seedStore()
        let foreign = try await http.request(
            .PATCH, "/api/admin/orders/\(orderID)/status", token: try await cluster.adminToken(otherStore),
            json: ["status": "cancelled"])
        #expect(foreign.status == 404)
    }

    @Test(arguments: Mode.allCases)
    func twoConcurrentMovesExactlyOneWins(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode, apis: 2, workers: 2)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let adminA = try await cluster.adminToken(store, api: 0)
        let adminB = try await cluster.adminToken(store, api: 1)
        let table = try await cluster.tableToken(store)
        let stream = try await SSEClient.open(cluster.baseURL(), token: adminA)
        defer { stream.close() }
        for round in 0..<3 {
            let orderID = try await cluster.placeOrder(store, token: table)
            await stream.waitFor { $0.contains { ($0.json["order"] as? [String: Any])?["order_id"] as? String == orderID } }
            let body = Array(try JSONSerialization.data(withJSONObject: ["status": round == 2 ? "cancelled" : "preparing"]))
            let other = Array(try JSONSerialization.data(withJSONObject: ["status": "preparing"]))
            async let first = cluster.http(0).request(.PATCH, "/api/admin/orders/\(orderID)/status", token: adminA, rawBody: body)
            async let second = cluster.http(1).request(.PATCH, "/api/admin/orders/\(orderID)/status", token: adminB, rawBody: other)
            let results = try await [first, second]
            #expect(results.allSatisfy { [202, 409].contains($0.status) })
            let accepted = results.filter { $0.status == 202 }.count
            #expect(accepted >= 1)
            let outcomes = await stream.waitFor {
                $0.filter { $0.json["order_id"] as? String == orderID }.count >= accepted
            }.filter { $0.json["order_id"] as? String == orderID }
            // Two moves decided against the same state: one wins, the other is rejected. (In the last round
            // "preparing" may be applied before the API reads the order for "cancelled", and
            // preparing → cancelled is then a valid move of its own: a chain, never two moves from one state.)
            let changed = outcomes.filter { $0.event == "order_status_changed" }.map(\.json)
            let rejectedCount = outcomes.filter { $0.event == "order_status_rejected" }.count
            #expect(changed.count >= 1)
            #expect(changed.count + rejectedCount == accepted)
            #expect(changed.first?["from"] as? String == "pending")
            #expect(Set(changed.compactMap { $0["from"] as? String }).count == changed.count, "no two moves from one state")
            if changed.count == 2 {
                #expect(round == 2, "preparing → preparing is never a move")
                #expect(changed[0]["to"] as? String == changed[1]["from"] as? String)
            }
            if let rejected = outcomes.first(where: { $0.event == "order_status_rejected" })?.json {
                #expect(rejected["requested"] is String && rejected["current"] is String)
            }
        }
    }

    @Test(arguments: Mode.allCases)
    func deletingCompletingAndHistory(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store, table: 3)
        let http = cluster.http()
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        let price = try await cluster.menus(store)[0]["price"] as! Int
        let kept = try await cluster.placeOrder(store, token: table, quantity: 2)
        let deleted = try await cluster.placeOrder(store, token: table, quantity: 1)
        await stream.waitFor { $0.filter { $0.event == "order_created" }.count == 2 }

        let removal = try await http.request(.DELETE, "/api/admin/orders/\(deleted)", token: admin)
        #expect(removal.status == 202)
        let events = await stream.waitFor { $0.contains { $0.event == "order_deleted" } }
        #expect(events.first { $0.event == "order_deleted" }?.json["order_id"] as? String == deleted)
        #expect(try await http.request(.DELETE, "/api/admin/orders/\(deleted)", token: admin).status == 404)
        let mine = try await http.get("/api/table/orders", token: table).json["orders"] as? [[String: Any]]
        #expect(mine?.map { $0["order_id"] as? String } == [kept])
        let snapshot = try await http.get("/api/admin/orders", token: admin).json
        let row = (snapshot["tables"] as? [[String: Any]])?.first
        #expect(row?["total_amount"] as? Int == price * 2, "a deleted order counts in no total")
        var tables = try await http.get("/api/admin/tables", token: admin).json["tables"] as? [[String: Any]] ?? []
        let three = try #require(tables.first { $0["table_number"] as? Int == 3 })
        let tableID = try #require(three["table_id"] as? String)
        let sessionID = try #require(three["session_id"] as? String)
        #expect(three["total_amount"] as? Int == price * 2)
        #expect(tables.first { $0["table_number"] as? Int == 1 }?["session_id"] is NSNull)

        let complete = try await http.post("/api/admin/tables/\(tableID)/complete", token: admin, json: [:])
        #expect(complete.status == 202)
        let completed = await stream.waitFor { $0.contains { $0.event == "table_session_completed" } }
        let done = try #require(completed.first { $0.event == "table_session_completed" }?.json)
        #expect(done["session_id"] as? String == sessionID)
        #expect(done["total_amount"] as? Int == price * 2)
        tables = try await http.get("/api/admin/tables", token: admin).json["tables"] as? [[String: Any]] ?? []
        #expect(tables.first { $0["table_id"] as? String == tableID }?["session_id"] is NSNull)
        #expect(tables.first { $0["table_id"] as? String == tableID }?["total_amount"] as? Int == 0)
        #expect((try await http.get("/api/table/orders", token: table).json["orders"] as? [Any])?.isEmpty == true)
        let again = try await http.post("/api/admin/tables/\(tableID)/complete", token: admin, json: [:])
        #expect(again.status == 409, "no open session")

        let history = try await http.get("/api/admin/tables/\(tableID)/history", token: admin).json
        let sessions = try #require(history["sessions"] as? [[String: Any]])
        #expect(sessions.count == 1)
        #expect(sessions[0]["session_id"] as? String == sessionID)
        #expect(sessions[0]["ended_at"] is String)
        #expect(sessions[0]["total_amount"] as? Int == price * 2)
        let orders = try #require(sessions[0]["orders"] as? [[String: Any]])
        #expect(Set(orders.compactMap { $0["order_id"] as? String }) == [kept, deleted])
        #expect(orders.first { $0["order_id"] as? String == deleted }?["deleted_at"] is String)

        // The next order opens a new session.
        _ = try await cluster.placeOrder(store, token: table)
        await stream.waitFor { $0.filter { $0.event == "order_created" }.count == 3 }
        tables = try await http.get("/api/admin/tables", token: admin).json["tables"] as? [[String: Any]] ?? []
        let newSession = tables.first { $0["table_id"] as? String == tableID }?["session_id"] as? String
        #expect(newSession != nil && newSession != sessionID)

        let day = String((sessions[0]["started_at"] as? String ?? "").prefix(10))
        let filtered = try await http.get("/api/admin/tables/\(tableID)/history?from=\(day)&to=\(day)", token: admin)
        #expect((filtered.json["sessions"] as? [Any])?.count == 1)
        let past = try await http.get("/api/admin/tables/\(tableID)/history?from=2001-01-01&to=2001-01-02", token: admin)
        #expect((past.json["sessions"] as? [Any])?.isEmpty == true)
        #expect(try await http.get("/api/admin/tables/\(tableID)/history?from=yesterday", token: admin).status == 400)
        #expect(try await http.get("/api/admin/tables/\(UUID().uuidString)/history", token: admin).status == 404)
        #expect(try await http.post("/api/admin/tables/\(UUID().uuidString)/complete", token: admin, json: [:]).status == 404)
    }

    @Test(arguments: Mode.allCases)
    func creatingATableAndResettingItsPassword(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let http = cluster.http()
        func login(_ number: Int, _ password: String) async throws -> Int {
            try await http.post(
                "/api/auth/table/login", json: ["store_id": store.storeID, "table_number": number, "password": password]
            ).status
        }
        let created = try await http.post("/api/admin/tables", token: admin, json: ["table_number": 12, "password": "twelve"])
        #expect(created.status == 202)
        let tableID = try #require(created.json["id"] as? String)
        _ = try await Cluster.eventually("table 12 can log in") { try await login(12, "twelve") == 200 ? true : nil }
        let tables = try await http.get("/api/admin/tables", token: admin).json["tables"] as? [[String: Any]]
        #expect(tables?.contains { $0["table_id"] as? String == tableID && $0["table_number"] as? Int == 12 } == true)

        let reset = try await http.post("/api/admin/tables", token: admin, json: ["table_number": 12, "password": "doze"])
        #expect(reset.json["id"] as? String == tableID, "a reset keeps the table's id")
        _ = try await Cluster.eventually("new password works") { try await login(12, "doze") == 200 ? true : nil }
        #expect(try await login(12, "twelve") == 401)
        #expect(try await http.post("/api/admin/tables", token: admin, json: ["table_number": 0, "password": "xxxx"]).status == 400)
        #expect(try await http.post("/api/admin/tables", token: admin, json: ["table_number": 5, "password": "x"]).status == 400)
        #expect(try await http.post("/api/admin/tables", token: admin, json: ["table_number": "5", "password": "xxxx"]).status == 400)
    }
}
