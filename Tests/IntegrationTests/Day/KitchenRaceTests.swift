import Foundation
import NIOHTTP1
import TableOrderStorage
import Testing

/// The worker's races of contract v1.1 §5–6 with two workers in production mode, on a queue of the
/// cluster's own: the last portions, a menu deleted while its order waits in the queue, and a cancel
/// racing a status move.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct KitchenRaceTests {
    @Test func twoTablesRaceForTheLastPortionsAndExactlyThoseAreSold() async throws {
        let day = try await Day.open(.production, workers: 2, ownQueue: true)
        defer { day.cluster.stop() }
        let galbi = try #require(try await day.menu("Galbi-jjim")["id"] as? String)
        #expect(try await day.patch("/api/admin/menus/\(galbi)/availability", ["stock": 5]).status == 202)
        try await day.waitForMenu(galbi, "stock 5") { $0["stock"] as? Int == 5 }

        // Two tables, twelve orders each of one or two portions, all at once.
        let accepted = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<24 {
                group.addTask {
                    let result = try await day.order(table: index % 2, [["menu_id": galbi, "quantity": 1 + index % 3 / 2]])
                    return result.status == 202 ? result.json["order_id"] as? String : nil
                }
            }
            var ids: [String] = []
            for try await id in group { if let id { ids.append(id) } }
            return ids
        }
        #expect(!accepted.isEmpty)
        var pendingPortions = 0
        for id in accepted {
            let order = try await storedAnyTable(day, id)
            let status = order["status"] as? String
            #expect(status == "pending" || status == "rejected", "\(id): \(status ?? "-")")
            if status == "pending" {
                pendingPortions += (order["items"] as? [[String: Any]])?.reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) } ?? 0
            } else {
                #expect((order["reject_reason"] as? [String: Any])?["code"] as? String == "SOLD_OUT")
            }
        }
        #expect(pendingPortions == 5, "exactly the portions that existed were sold")
        let menu = try await day.waitForMenu(galbi, "sold out") { $0["stock"] as? Int == 0 }
        #expect(menu["is_available"] as? Bool == false)
    }

    /// The order as stored, asked by whichever table placed it.
    func storedAnyTable(_ day: Day, _ id: String) async throws -> [String: Any] {
        try await Cluster.eventually(timeout: .seconds(30), "order \(id) stored") {
            for table in day.tables.indices {
                let result = try await day.http.get("/api/orders/\(id)", token: day.tables[table])
                if result.status == 200 { return result.json }
            }
            return nil
        }
    }

    @Test func aMenuDeletedWhileItsOrderWaitsInTheQueueRejectsTheOrder() async throws {
        let day = try await Day.open(.production, workers: 2, ownQueue: true)
        defer { day.cluster.stop() }
        let stream = try await SSEClient.open(day.cluster.baseURL(), token: day.admin)
        defer { stream.close() }
        let pajeon = try #require(try await day.menu("Pajeon")["id"] as? String)
        let tea = try #require(try await day.menu("Barley Tea")["id"] as? String)

        // The workers stop: the deletion waits in the queue, and the API still sees the menu.
        await day.cluster.stopWorkers()
        #expect(try await day.http.request(.DELETE, "/api/admin/menus/\(pajeon)", token: day.admin).status == 202)
        let placed = try await day.order([["menu_id": tea, "quantity": 1], ["menu_id": pajeon, "quantity": 2]], key: "late-pajeon")
        #expect(placed.status == 202, "the API checked against the menu it could see: \(placed.text)")
        let orderID = try #require(placed.json["order_id"] as? String)
        try await day.cluster.startWorker()
        try await day.cluster.startWorker()

        let order = try await day.stored(orderID)
        #expect(order["status"] as? String == "rejected")
        let reason = try #require(order["reject_reason"] as? [String: Any])
        #expect(reason["code"] as? String == "MENU_UNAVAILABLE" && reason["menu_id"] as? String == pajeon)
        let events = await stream.waitFor { $0.contains { $0.event == "order_rejected" } }
        let rejected = try #require(events.first { $0.event == "order_rejected" }?.json)
        #expect(rejected["order_id"] as? String == orderID && rejected["table_id"] as? String != nil)
        #expect((rejected["reason"] as? [String: Any])?["code"] as? String == "MENU_UNAVAILABLE")
        // The same Idempotency-Key answers with that order; no total counts it.
        let again = try await day.order([["menu_id": tea, "quantity": 1], ["menu_id": pajeon, "quantity": 2]], key: "late-pajeon")
        #expect(again.status == 202 && again.json["order_id"] as? String == orderID)
        let tables = try await day.http.get("/api/admin/tables", token: day.admin).json["tables"] as? [[String: Any]]
        #expect(tables?.first { $0["table_number"] as? Int == 1 }?["total_amount"] as? Int == 0)
        #expect(try await day.cluster.count("SELECT count(*) FROM orders WHERE status = 'rejected'") >= 1)
    }

    @Test func aCancelRacingAStatusMoveEndsOneWayOrTheOther() async throws {
        let day = try await Day.open(.production, workers: 2, ownQueue: true)
        defer { day.cluster.stop() }
        let stream = try await SSEClient.open(day.cluster.baseURL(), token: day.admin)
        defer { stream.close() }
        let bulgogi = try #require(try await day.menu("Bulgogi")["id"] as? String)
        for round in 0..<6 {
            let placed = try await day.order([["menu_id": bulgogi, "quantity": 2]])
            let orderID = try #require(placed.json["order_id"] as? String)
            let itemID = try #require(((try await day.stored(orderID))["items"] as? [[String: Any]])?.first?["item_id"] as? String)
            #expect(try await day.patch("/api/admin/orders/\(orderID)/status", ["status": "preparing"]).status == 202)
            _ = try await Cluster.eventually(timeout: .seconds(20), "preparing") {
                try await day.storedStatus(orderID) == "preparing" ? true : nil
            }
            // Both are valid when the API checks them; the worker decides which came first.
            async let complete = day.patch("/api/admin/orders/\(orderID)/status", ["status": "completed"])
            async let cancel = day.http.post(
                "/api/admin/orders/\(orderID)/items/\(itemID)/cancel", token: day.admin, json: ["quantity": 1])
            let (completed, cancelled) = try await (complete, cancel)
            #expect(completed.status == 202 && cancelled.status == 202, "round \(round)")
            let events = await stream.waitFor { events in
                let mine = events.filter { $0.json["order_id"] as? String == orderID }
                return mine.contains { $0.json["to"] as? String == "completed" }
                    && mine.contains { $0.event == "order_items_cancelled" || $0.json["requested"] as? String == "cancel_items" }
            }
            let mine = events.filter { $0.json["order_id"] as? String == orderID }
            let stored = try await day.stored(orderID)
            let cancelledPortions = (stored["items"] as? [[String: Any]])?.first?["cancelled_quantity"] as? Int
            #expect(stored["status"] as? String == "completed")
            if mine.contains(where: { $0.event == "order_items_cancelled" }) {
                #expect(cancelledPortions == 1 && stored["total_amount"] as? Int == 15000, "the cancel came first")
            } else {
                #expect(cancelledPortions == 0 && stored["total_amount"] as? Int == 30000, "the move came first")
                #expect(mine.contains { $0.event == "order_status_rejected" && $0.json["current"] as? String == "completed" })
            }
        }
    }
}
