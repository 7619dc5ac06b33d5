import Foundation
import NIOHTTP1
import PostgresNIO
import Testing

/// Menu and category writes through the queue (contract §5).
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct MenuTests {
    @Test(arguments: Mode.allCases)
    func menuLifecycleThroughTheQueue(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        let http = cluster.http()
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }

        let category = try await http.post("/api/admin/categories", token: admin, json: ["name": "Desserts", "sort_order": 9])
        #expect(category.status == 202)
        #expect(category.json["status"] as? String == "accepted")
        let categoryID = try #require(category.json["id"] as? String)
        await stream.waitFor { $0.contains { $0.json["category_id"] as? String == categoryID } }

        let created = try await http.post(
            "/api/admin/menus", token: admin,
            json: ["category_id": categoryID, "name": "Bingsu", "price": 9000, "description": "Shaved ice"])
        #expect(created.status == 202, "\(created.text)")
        let menuID = try #require(created.json["id"] as? String)
        let changed = await stream.waitFor { $0.contains { $0.json["menu_id"] as? String == menuID } }
        #expect(changed.last?.event == "menu_changed")

        // The worker invalidated the menu cache: the listing shows the new menu at once.
        var listing = try await cluster.menus(store)
        let bingsu = try #require(listing.first { $0["id"] as? String == menuID })
        #expect(bingsu["price"] as? Int == 9000)
        #expect(bingsu["is_available"] as? Bool == true)
        #expect(bingsu["image_url"] is NSNull)

        // An order keeps the price it was accepted with.
        let order = try await http.post("/api/orders", token: table, json: ["items": [["menu_id": menuID, "quantity": 2]]])
        let orderID = try #require(order.json["order_id"] as? String)
        await stream.waitFor { $0.contains { ($0.json["order"] as? [String: Any])?["order_id"] as? String == orderID } }

        let update = try await http.request(.PUT, "/api/admin/menus/\(menuID)", token: admin, json: ["price": 9500, "is_available": false])
        #expect(update.status == 202)
        await stream.waitFor { $0.filter { $0.json["menu_id"] as? String == menuID }.count >= 2 }
        listing = try await cluster.menus(store)
        #expect(listing.first { $0["id"] as? String == menuID }?["price"] as? Int == 9500)
        #expect(listing.first { $0["id"] as? String == menuID }?["name"] as? String == "Bingsu", "absent fields keep their value")
        let unavailable = try await http.post("/api/orders", token: table, json: ["items": [["menu_id": menuID, "quantity": 1]]])
        #expect(unavailable.status == 400)

        let delete = try await http.request(.DELETE, "/api/admin/menus/\(menuID)", token: admin)
        #expect(delete.status == 202)
        await stream.waitFor { $0.filter { $0.json["menu_id"] as? String == menuID }.count >= 3 }
        listing = try await cluster.menus(store)
        #expect(!listing.contains { $0["id"] as? String == menuID })
        let past = try await http.get("/api/orders/\(orderID)", token: table)
        let item = (past.json["items"] as? [[String: Any]])?.first
        #expect(item?["unit_price"] as? Int == 9000)
        #expect(item?["name"] as? String == "Bingsu")
        let again = try await http.request(.DELETE, "/api/admin/menus/\(menuID)", token: admin)
        #expect(again.status == 404)
    }

    @Test(arguments: Mode.allCases)
    func menuValidation(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        let http = cluster.http()
        let menus = try await http.get("/api/stores/\(store.storeID)/menus").json
        let categoryID = try #require((menus["categories"] as? [[String: Any]])?.first?["id"] as? String)
        let menuID = try #require((menus["menus"] as? [[String: Any]])?.first?["id"] as? String)
        let bad: [([String: Any], String)] = [
            (["category_id": categoryID, "name": "", "price": 1], "name"),
            (["category_id": categoryID, "name": String(repeating: "x", count: 101), "price": 1], "name"),
            (["category_id": categoryID, "name": "A", "price": -1], "price"),
            (["category_id": categoryID, "name": "A", "price": 10_000_001], "price"),
            (["category_id": categoryID, "name": "A", "price": 1.5], "price"),
            (["category_id": categoryID, "name": "A", "price": 1, "description": String(repeating: "d", count: 1001)], "description"),
            (["category_id": UUID().uuidString, "name": "A", "price": 1], "category_id"),
            (["name": "A", "price": 1], "category_id"),
            (["category_id": categoryID, "price": 1], "name"),
            (["category_id": categoryID, "name": "A", "price": 1, "is_available": "yes"], "is_available"),
        ]
        for (body, field) in bad {
            let result = try await http.post("/api/admin/menus", token: admin, json: body)
            #expect(result.status == 400, "\(body)")
            let message = (result.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.hasPrefix(field), "\(message) should name \(field)")
        }
        #expect(try await http.post("/api/admin/categories", token: admin, json: ["sort_order": 1]).status == 400)
        #expect(try await http.post("/api/admin/menus", token: table, json: ["name": "A"]).status == 403)
        let unknown = try await http.request(.PUT, "/api/admin/menus/\(UUID().uuidString)", token: admin, json: ["price": 1])
        #expect(unknown.status == 404)
        let otherStore = try await cluster.seedStore()
        let otherAdmin = try await cluster.adminToken(otherStore)
        let foreign = try await http.request(.PUT, "/api/admin/menus/\(menuID)", token: otherAdmin, json: ["price": 1])
        #expect(foreign.status == 404, "another store's menu is not found")
        let foreignDelete = try await http.request(.DELETE, "/api/admin/menus/\(menuID)", token: otherAdmin)
        #expect(foreignDelete.status == 404)
    }
}
