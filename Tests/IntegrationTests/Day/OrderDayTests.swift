import Foundation
import NIOHTTP1
import TableOrderStorage
import Testing

/// Orders, calls and the table's stream of contract v1.1 §6–7, in both modes: partial cancels, staff
/// calls, and a table's stream that carries only its own events and the store's menu.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct OrderDayTests {
    @Test(arguments: Mode.allCases)
    func partialCancelsReturnPortionsAndLowerTotals(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let stream = try await SSEClient.open(day.cluster.baseURL(), token: day.admin)
        defer { stream.close() }
        let galbi = try #require(try await day.menu("Galbi-jjim")["id"] as? String)
        let tea = try #require(try await day.menu("Barley Tea")["id"] as? String)
        let placed = try await day.order([["menu_id": galbi, "quantity": 3], ["menu_id": tea, "quantity": 1]])
        let orderID = try #require(placed.json["order_id"] as? String)
        let items = try #require(try await day.stored(orderID)["items"] as? [[String: Any]])
        let (galbiItem, teaItem) = (try #require(items[0]["item_id"] as? String), try #require(items[1]["item_id"] as? String))
        try await day.waitForMenu(galbi, "7 portions left") { $0["stock"] as? Int == 7 }

        func cancel(_ item: String, _ quantity: Any, order: String? = nil) async throws -> HTTPResult {
            try await day.http.post(
                "/api/admin/orders/\(order ?? orderID)/items/\(item)/cancel", token: day.admin, json: ["quantity": quantity])
        }
        #expect(try await cancel(galbiItem, 4).status == 409, "more than is left")
        #expect(try await cancel(UUID().uuidString.lowercased(), 1).status == 404)
        #expect(try await cancel(galbiItem, 1, order: UUID().uuidString.lowercased()).status == 404)
        #expect(try await cancel(galbiItem, 0).status == 400)
        #expect(try await cancel(galbiItem, "2").status == 400)

        #expect(try await cancel(galbiItem, 2).status == 202)
        let cancelled = await stream.waitFor { $0.contains { $0.event == "order_items_cancelled" } }
        let event = try #require(cancelled.first { $0.event == "order_items_cancelled" }?.json)
        #expect(event["item_id"] as? String == galbiItem && event["quantity"] as? Int == 2)
        #expect(event["total_amount"] as? Int == 28000 + 2000 && event["table_id"] as? String != nil)
        let order = try await Cluster.eventually(timeout: .seconds(20), "the cancel stored") {
            let order = try await day.stored(orderID)
            return (order["items"] as? [[String: Any]])?.first?["cancelled_quantity"] as? Int == 2 ? order : nil
        }
        #expect((order["items"] as? [[String: Any]])?.first?["subtotal"] as? Int == 28000)
        #expect(order["total_amount"] as? Int == 30000 && order["status"] as? String == "pending")
        try await day.waitForMenu(galbi, "portions back in stock") { $0["stock"] as? Int == 9 }
        let tables = try await day.http.get("/api/admin/tables", token: day.admin).json["tables"] as? [[String: Any]]
        #expect(tables?.first { $0["table_number"] as? Int == 1 }?["total_amount"] as? Int == 30000)

        // Nothing left of any line: the order is cancelled, and says so.
        #expect(try await cancel(galbiItem, 1).status == 202)
        #expect(try await cancel(teaItem, 1).status == 202)
        await stream.waitFor { $0.contains { $0.event == "order_status_changed" && $0.json["to"] as? String == "cancelled" } }
        #expect(try await day.storedStatus(orderID) == "cancelled")
        #expect(try await cancel(teaItem, 1).status == 409, "a cancelled order takes no cancel")
    }

    @Test(arguments: Mode.allCases)
    func staffCallsOpenOncePerTypeAndEndWithTheSession(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let http = day.http
        let stream = try await SSEClient.open(day.cluster.baseURL(), token: day.admin)
        defer { stream.close() }
        let water = try await http.post("/api/table/calls", token: day.tables[0], json: ["type": "water", "note": "two glasses"])
        #expect(water.status == 202, "\(water.text)")
        let callID = try #require(water.json["id"] as? String)
        await stream.waitFor { $0.contains { $0.event == "call_created" } }
        let created = try #require(stream.received.first { $0.event == "call_created" }?.json["call"] as? [String: Any])
        #expect(created["call_id"] as? String == callID && created["table_number"] as? Int == 1)
        #expect(created["note"] as? String == "two glasses" && created["status"] as? String == "open")

        // Asking again while it is open makes no new call, and answers its id.
        let again = try await http.post("/api/table/calls", token: day.tables[0], json: ["type": "water"])
        #expect(again.status == 202 && again.json["id"] as? String == callID)
        #expect(try await http.post("/api/table/calls", token: day.tables[0], json: ["type": "taxi"]).status == 400)
        #expect(try await http.post("/api/table/calls", token: day.admin, json: ["type": "water"]).status == 403)
        let bill = try await http.post("/api/table/calls", token: day.tables[0], json: ["type": "bill"])
        let billID = try #require(bill.json["id"] as? String)
        let other = try await http.post("/api/table/calls", token: day.tables[1], json: ["type": "water"])
        #expect(other.json["id"] as? String != callID, "another table's call is its own")

        let open = try await Cluster.eventually(timeout: .seconds(20), "three open calls") {
            let calls = try await http.get("/api/admin/calls", token: day.admin).json["calls"] as? [[String: Any]]
            return calls?.count == 3 ? calls : nil
        }
        #expect(open.first?["call_id"] as? String == callID, "oldest first")
        let mine = try await http.get("/api/table/calls", token: day.tables[0]).json["calls"] as? [[String: Any]]
        #expect(Set(mine?.compactMap { $0["call_id"] as? String } ?? []) == [callID, billID])

        // open → acknowledged → resolved; anything else is 409.
        func move(_ id: String, _ status: String) async throws -> Int {
            try await day.patch("/api/admin/calls/\(id)", ["status": status]).status
        }
        #expect(try await move(callID, "open") == 409)
        #expect(try await move(callID, "acknowledged") == 202)
        _ = try await Cluster.eventually(timeout: .seconds(20), "acknowledged") {
            let calls = try await http.get("/api/admin/calls?status=acknowledged", token: day.admin).json["calls"] as? [[String: Any]]
            return calls?.contains { $0["call_id"] as? String == callID } == true ? true : nil
        }
        #expect(try await move(callID, "acknowledged") == 409)
        #expect(try await move(callID, "resolved") == 202)
        await stream.waitFor { $0.contains { $0.event == "call_updated" && $0.json["to"] as? String == "resolved" } }
        #expect(try await move(callID, "resolved") == 409)
        #expect(try await move(UUID().uuidString.lowercased(), "resolved") == 404)
        let resolved = try await http.get("/api/admin/calls?status=resolved", token: day.admin).json["calls"] as? [[String: Any]]
        #expect(resolved?.map { $0["call_id"] as? String } == [callID])
        #expect(try await http.get("/api/admin/calls?status=open,bogus", token: day.admin).status == 400)
        let anew = try await http.post("/api/table/calls", token: day.tables[0], json: ["type": "water"])
        #expect(anew.json["id"] as? String != callID, "once resolved, the type can be called again")

        // Completing the table's session resolves its calls.
        _ = try await day.cluster.placeOrder(day.store, token: day.tables[0])
        let tables = try await http.get("/api/admin/tables", token: day.admin).json["tables"] as? [[String: Any]]
        let tableID = try #require(tables?.first { $0["table_number"] as? Int == 1 }?["table_id"] as? String)
        _ = try await Cluster.eventually(timeout: .seconds(20), "the table's session open") {
            let tables = try await http.get("/api/admin/tables", token: day.admin).json["tables"] as? [[String: Any]]
            return tables?.first { $0["table_id"] as? String == tableID }?["session_id"] is String ? true : nil
        }
        #expect(try await http.post("/api/admin/tables/\(tableID)/complete", token: day.admin, json: [:]).status == 202)
        _ = try await Cluster.eventually(timeout: .seconds(20), "the table's calls resolved") {
            let calls = try await http.get("/api/table/calls", token: day.tables[0]).json["calls"] as? [Any]
            return calls?.isEmpty == true ? true : nil
        }
        // Both from the completing transaction: the calls' updates and the session's end (in the log's order,
        // so wait for both, not for one and assume the other).
        let updates = await stream.waitFor { events in
            events.contains { $0.event == "call_updated" && $0.json["call_id"] as? String == billID }
                && events.contains { $0.event == "table_session_completed" }
        }
        #expect(updates.contains { $0.event == "table_session_completed" })
    }

    @Test(arguments: Mode.allCases)
    func aTablesStreamCarriesItsOwnEventsAndTheMenu(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let mine = try await SSEClient.open(day.cluster.baseURL(), token: day.tables[0], path: "/api/table/stream")
        defer { mine.close() }
        #expect(mine.status == 200 && mine.headers.first(name: "Content-Type") == "text/event-stream")
        let admin = try await SSEClient.open(day.cluster.baseURL(), token: day.admin)
        defer { admin.close() }
        let refused = try await day.http.get("/api/table/stream", token: day.admin)
        #expect(refused.status == 403)

        let theirs = try await day.cluster.placeOrder(day.store, token: day.tables[1])
        let own = try await day.cluster.placeOrder(day.store, token: day.tables[0])
        let call = try await day.http.post("/api/table/calls", token: day.tables[0], json: ["type": "utensils"])
        #expect(call.status == 202)
        let japchae = try #require(try await day.menu("Japchae")["id"] as? String)
        #expect(try await day.patch("/api/admin/menus/\(japchae)/availability", ["is_available": false]).status == 202)
        _ = try await day.stored(own)  // a move needs the order stored (404 until then)
        #expect(try await day.patch("/api/admin/orders/\(own)/status", ["status": "preparing"]).status == 202)

        let all = await admin.waitFor { events in events.contains { $0.event == "order_status_changed" } }
        let seen = await mine.waitFor { events in events.contains { $0.event == "order_status_changed" } }
        #expect(all.contains { ($0.json["order"] as? [String: Any])?["order_id"] as? String == theirs })
        // The commands were sent in this order, but the suites share one queue in production mode (another
        // suite's worker may apply one of them): the events are these, in the log's order.
        #expect(Set(seen.map { $0.event ?? "" }) == ["order_created", "call_created", "menu_changed", "order_status_changed"])
        let created = try #require(seen.firstIndex { $0.event == "order_created" })
        #expect(seen.count == 4 && seen.lastIndex { $0.event == "order_status_changed" }! > created)
        #expect((seen[created].json["order"] as? [String: Any])?["order_id"] as? String == own)
        #expect(!seen.contains { ($0.json["order"] as? [String: Any])?["order_id"] as? String == theirs }, "not another table's")
        let ids = seen.compactMap(\.id)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "strictly increasing")
        #expect(ids.allSatisfy { id in all.contains { $0.id == id } }, "the store's ids")

        // Replay from before the first: the same events, nothing of the other table's.
        let replay = try await SSEClient.open(
            day.cluster.baseURL(), token: day.tables[0], lastEventID: try #require(ids.first) - 1, path: "/api/table/stream")
        defer { replay.close() }
        let replayed = await replay.waitFor { $0.count >= 4 }
        #expect(replayed.compactMap(\.id) == ids)

        // Once the table's session is completed, a replay starts there: the next party does not see the last
        // one's orders and calls.
        let tableID = try #require((seen[created].json["order"] as? [String: Any])?["table_id"] as? String)
        #expect(try await day.http.post("/api/admin/tables/\(tableID)/complete", token: day.admin, json: [:]).status == 202)
        await mine.waitFor { $0.contains { $0.event == "table_session_completed" } }
        let next = try await SSEClient.open(
            day.cluster.baseURL(), token: day.tables[0], lastEventID: try #require(ids.first) - 1, path: "/api/table/stream")
        defer { next.close() }
        let fresh = await next.waitFor { $0.contains { $0.event == "table_session_completed" } }
        #expect(fresh.first?.event == "table_session_completed", "\(fresh.map(\.event))")
        #expect(!fresh.contains { $0.event == "order_created" || $0.event == "call_created" })
    }
}
