import Foundation
import NIOHTTP1
import PostgresNIO
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// The product's main path on the real services: a table's order reaches the admin's stream.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct OrderFlowTests {
    @Test(arguments: Mode.allCases)
    func orderReachesTheAdminStreamAndIsPersisted(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store, table: 2)
        let menus = try await cluster.menus(store)
        #expect(menus.count >= 8)
        let first = menus[0]
        let second = menus[1]

        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        #expect(stream.status == 200)
        #expect(stream.headers.first(name: "Content-Type") == "text/event-stream")
        #expect(stream.headers.first(name: "Cache-Control") == "no-cache")
        #expect(stream.headers.first(name: "X-Accel-Buffering") == "no")
        #expect(stream.headers.first(name: "Connection")?.lowercased() == "keep-alive")
        #expect(stream.headers.first(name: "Date")?.hasSuffix(" GMT") == true)  // like every other response
        #expect(stream.headers.first(name: "X-Request-ID") != nil)  // through the same middleware

        // The client sends no prices: the server takes them from the menu.
        let posted = try await cluster.http().post(
            "/api/orders", token: table,
            json: [
                "items": [["menu_id": first["id"]!, "quantity": 2], ["menu_id": second["id"]!, "quantity": 1]],
                "note": "no onions", "price": 1, "total_amount": 1,
            ])
        #expect(posted.status == 202, "\(posted.text)")
        let orderID = try #require(posted.json["order_id"] as? String)
        #expect(posted.json["status"] as? String == "pending")
        #expect(posted.headers.first(name: "Location") == "/api/orders/\(orderID)")

        let events = await stream.waitFor { $0.contains { $0.event == "order_created" } }
        let created = try #require(events.first { $0.event == "order_created" })
        #expect(stream.firstLine == "retry: 3000")
        let data = created.json
        #expect(data["type"] as? String == "order_created")
        #expect(data["store_id"] as? String == store.storeID)
        #expect((data["event_id"] as? Int).map(Int64.init) == created.id)
        #expect(data["occurred_at"] is String)
        let order = try #require(data["order"] as? [String: Any])
        #expect(order["order_id"] as? String == orderID)
        #expect(order["table_number"] as? Int == 2)
        let expectedTotal = (first["price"] as! Int) * 2 + (second["price"] as! Int)
        #expect(order["total_amount"] as? Int == expectedTotal)
        #expect(order["note"] as? String == "no onions")
        let items = try #require(order["items"] as? [[String: Any]])
        #expect(items.count == 2)
        #expect(items[0]["unit_price"] as? Int == first["price"] as? Int)
        #expect(items[0]["subtotal"] as? Int == (first["price"] as! Int) * 2)
        #expect(items[0]["name"] as? String == first["name"] as? String)

        // Rows in PostgreSQL.
        let uuid = UUID(uuidString: orderID)!
        #expect(try await cluster.count("SELECT count(*) FROM orders WHERE id = ?", [.uuid(uuid)]) == 1)
        #expect(try await cluster.count("SELECT count(*) FROM order_items WHERE order_id = ?", [.uuid(uuid)]) == 2)
        #expect(
            try await cluster.count(
                "SELECT count(*) FROM events WHERE store_id = ? AND type = 'order_created'", [.text(store.storeID)]) == 1)
        #expect(
            try await cluster.count("SELECT total_amount FROM orders WHERE id = ?", [.uuid(uuid)]) == expectedTotal)

        // The reads.
        let single = try await cluster.http().get("/api/orders/\(orderID)", token: table)
        #expect(single.status == 200)
        #expect(single.json["total_amount"] as? Int == expectedTotal)
        #expect(single.json["deleted_at"] is NSNull)
        let byAdmin = try await cluster.http().get("/api/orders/\(orderID)", token: admin)
        #expect(byAdmin.status == 200)
        let mine = try await cluster.http().get("/api/table/orders", token: table)
        #expect((mine.json["orders"] as? [[String: Any]])?.map { $0["order_id"] as? String } == [orderID])
        let snapshot = try await cluster.http().get("/api/admin/orders", token: admin)
        #expect(snapshot.status == 200)
        #expect((snapshot.json["last_event_id"] as? Int).map(Int64.init) == created.id)
        let tables = try #require(snapshot.json["tables"] as? [[String: Any]])
        #expect(tables.count == 1)
        #expect(tables[0]["table_number"] as? Int == 2)
        #expect(tables[0]["total_amount"] as? Int == expectedTotal)
        let filtered = try await cluster.http().get("/api/admin/orders?status=completed", token: admin)
        #expect(((filtered.json["tables"] as? [[String: Any]])?.first?["orders"] as? [Any])?.isEmpty ?? true)
    }

    @Test(arguments: Mode.allCases)
    func sameIdempotencyKeyGivesOneOrder(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let table = try await cluster.tableToken(store)
        let menu = try await cluster.menus(store)[0]
        let body: [String: Any] = ["items": [["menu_id": menu["id"]!, "quantity": 1]]]
        let key = "key-\(UUID().uuidString)"

        // Sent concurrently and then again: one order id, one persisted order.
        let bodyBytes = Array(try JSONSerialization.data(withJSONObject: body))
        let results = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await cluster.http().request(
                        .POST, "/api/orders", token: table, rawBody: bodyBytes, headers: [("Idempotency-Key", key)])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == 202 })
        let ids = Set(results.compactMap { $0.json["order_id"] as? String })
        #expect(ids.count == 1)
        let orderID = try #require(ids.first)
        _ = try await Cluster.eventually("order persisted") {
            let r = try await cluster.http().get("/api/orders/\(orderID)", token: table)
            return r.status == 200 ? r : nil
        }
        let again = try await cluster.http().post(
            "/api/orders", token: table, json: body, headers: [("Idempotency-Key", key)])
        #expect(again.status == 202)
        #expect(again.json["order_id"] as? String == orderID)
        // The retry added nothing: once an order sent after it is stored, there are two.
        try await cluster.barrier(store, token: table)
        #expect(
            try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]) == 2)

        // The same key with another body, once stored, is refused.
        let reused = try await cluster.http().post(
            "/api/orders", token: table, json: ["items": [["menu_id": menu["id"]!, "quantity": 3]]],
            headers: [("Idempotency-Key", key)])
        #expect(reused.status == 422)
        #expect(reused.errorCode == "IDEMPOTENCY_KEY_REUSED")

        // Another table using the same key gets its own order.
        let other = try await cluster.tableToken(store, table: 2)
        let otherResult = try await cluster.http().post(
            "/api/orders", token: other, json: body, headers: [("Idempotency-Key", key)])
        #expect(otherResult.status == 202)
        #expect(otherResult.json["order_id"] as? String != orderID)
    }

    @Test(arguments: Mode.allCases)
    func streamsCarryOnlyTheAdminsOwnStore(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let storeA = try await cluster.seedStore()
        let storeB = try await cluster.seedStore()
        let adminA = try await cluster.adminToken(storeA)
        let streamA = try await SSEClient.open(cluster.baseURL(), token: adminA)
        defer { streamA.close() }
        let tableB = try await cluster.tableToken(storeB)
        let menuB = try await cluster.menus(storeB)[0]
        let postedB = try await cluster.http().post(
            "/api/orders", token: tableB, json: ["items": [["menu_id": menuB["id"]!, "quantity": 1]]])
        #expect(postedB.status == 202)
        let tableA = try await cluster.tableToken(storeA)
        let menuA = try await cluster.menus(storeA)[0]
        let postedA = try await cluster.http().post(
            "/api/orders", token: tableA, json: ["items": [["menu_id": menuA["id"]!, "quantity": 1]]])
        let orderA = try #require(postedA.json["order_id"] as? String)
        let events = await streamA.waitFor {
            $0.contains { ($0.json["order"] as? [String: Any])?["order_id"] as? String == orderA }
        }
        // B's order was committed before A's (one worker, queue order) and must not appear.
        #expect(events.count == 1)
        #expect(events.allSatisfy { $0.json["store_id"] as? String == storeA.storeID })
        // Another store's admin cannot read A's order.
        let adminB = try await cluster.adminToken(storeB)
        let crossRead = try await cluster.http().get("/api/orders/\(orderA)", token: adminB)
        #expect(crossRead.status == 404)
    }

    @Test(arguments: Mode.allCases)
    func streamSendsHeartbeatsAndReplaysFromLastEventID(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        let menu = try await cluster.menus(store)[0]
        var ids: [String] = []
        for _ in 0..<3 {
            let r = try await cluster.http().post(
                "/api/orders", token: table, json: ["items": [["menu_id": menu["id"]!, "quantity": 1]]])
            ids.append(try #require(r.json["order_id"] as? String))
        }
        _ = try await Cluster.eventually("three events") {
            try await cluster.count("SELECT count(*) FROM events WHERE store_id = ?", [.text(store.storeID)]) == 3
                ? true : nil
        }
        let replay = try await SSEClient.open(cluster.baseURL(), token: admin, lastEventID: 1)
        defer { replay.close() }
        let replayed = await replay.waitFor { $0.count >= 2 }
        #expect(replayed.map(\.id) == [2, 3])
        let byQuery = try await SSEClient.open(cluster.baseURL(), token: admin, query: "?last_event_id=2")
        defer { byQuery.close() }
        #expect(await byQuery.waitFor { $0.count >= 1 }.map(\.id) == [3])
        // SSE_HEARTBEAT_SECONDS=1 in the test cluster.
        _ = await replay.waitFor(timeout: .seconds(5)) { _ in replay.receivedComments.contains(": heartbeat") }
        #expect(replay.receivedComments.contains(": heartbeat"))

        // Older than the retained log (rows 1 and 2 pruned), or an id the store never had: reload.
        _ = try await cluster.query("DELETE FROM events WHERE store_id = ? AND id <= 2", [.text(store.storeID)])
        let truncated = try await SSEClient.open(cluster.baseURL(), token: admin, lastEventID: 0)
        defer { truncated.close() }
        let first = await truncated.waitFor { !$0.isEmpty }.first
        #expect(first?.event == "replay_truncated")
        #expect(first?.json["oldest_event_id"] as? Int == 3)
        let future = try await SSEClient.open(cluster.baseURL(), token: admin, lastEventID: 999)
        defer { future.close() }
        #expect(await future.waitFor { !$0.isEmpty }.first?.event == "replay_truncated")
        // Both continue live.
        _ = try await cluster.placeOrder(store, token: table)
        #expect(await truncated.waitFor { $0.count == 2 }.last?.id == 4)
        #expect(await future.waitFor { $0.count == 2 }.last?.id == 4)
        let badID = try await cluster.http().get("/api/admin/orders/stream", token: admin, headers: [("Last-Event-ID", "abc")])
        #expect(badID.status == 400)
    }
}
