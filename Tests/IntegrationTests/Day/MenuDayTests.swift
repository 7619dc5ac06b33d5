import Foundation
import NIOHTTP1
import TableOrderStorage
import Testing

/// The menu of contract v1.1 §5 through the queue, in both modes: option groups (ids kept, given, or
/// derived from the `Idempotency-Key`), orders choosing options and priced by the server, the sold-out
/// switch and counted stock, categories renamed and deleted, translations.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct MenuDayTests {
    static let toppingsID = "7d1c1b8e-3f51-4d7e-9a0e-5b2f5a8f6c01"

    static func noodles(categoryID: String) -> [String: Any] {
        [
            "category_id": categoryID, "name": "국수", "price": 9000,
            "translations": ["en": ["name": "Noodles", "description": "Wheat noodles in broth"]],
            "option_groups": [
                [
                    "name": "Size", "min_select": 1, "max_select": 1, "sort_order": 0,
                    "options": [["name": "Small", "price_delta": 0], ["name": "Large", "price_delta": 2000]],
                ],
                [
                    "id": toppingsID, "name": "Toppings", "min_select": 0, "max_select": 2, "sort_order": 1,
                    "options": [
                        ["name": "Egg", "price_delta": 500], ["name": "Pork", "price_delta": 700],
                        ["name": "Truffle", "price_delta": 100, "is_available": false],
                    ],
                ],
            ],
        ]
    }

    @Test(arguments: Mode.allCases)
    func optionGroupsArePricedByTheServer(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let http = day.http
        let categories = try await http.get("/api/stores/\(day.store.storeID)/menus").json["categories"] as? [[String: Any]]
        let categoryID = try #require(categories?.first?["id"] as? String)

        // Created with an Idempotency-Key: sent twice, one menu, and the ids the server gave stay.
        let created = try await http.post(
            "/api/admin/menus", token: day.admin, json: Self.noodles(categoryID: categoryID), headers: [("Idempotency-Key", "noodles-1")])
        #expect(created.status == 202, "\(created.text)")
        let menuID = try #require(created.json["id"] as? String)
        let menu = try await day.waitForMenu(menuID, "the noodles listed") { _ in true }
        let groups = try #require(menu["option_groups"] as? [[String: Any]])
        #expect(groups.map { $0["name"] as? String } == ["Size", "Toppings"])
        #expect(groups[1]["id"] as? String == Self.toppingsID, "an id sent is kept")
        #expect((menu["translations"] as? [String: [String: Any]])?["en"]?["name"] as? String == "Noodles")
        #expect(menu["stock"] is NSNull, "not counted unless set")
        let again = try await http.post(
            "/api/admin/menus", token: day.admin, json: Self.noodles(categoryID: categoryID), headers: [("Idempotency-Key", "noodles-1")])
        #expect(again.json["id"] as? String == menuID)
        func options(_ group: Int) -> [String] {
            ((groups[group]["options"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        }
        let (small, large) = (options(0)[0], options(0)[1])
        let (egg, pork, truffle) = (options(1)[0], options(1)[1], options(1)[2])

        // Lines that break a group's rules are refused, naming the line, and change nothing.
        let bad: [([String], String)] = [
            ([], "Size"), ([small, large], "Size"), ([large, egg, egg], "twice"), ([large, truffle], "not available"),
            ([large, UUID().uuidString], "not one of this menu's"), ([large, "not-a-uuid"], "not a UUID"),
        ]
        for (chosen, words) in bad {
            let refused = try await day.order([["menu_id": menuID, "quantity": 1, "options": chosen]])
            #expect(refused.status == 400 && refused.errorCode == "VALIDATION_ERROR", "\(chosen): \(refused.text)")
            #expect(refused.message.contains("items[0]") && refused.message.contains(words), "\(refused.message)")
        }

        // Priced by the server: the menu's price and the chosen deltas, options in the menu's order.
        let placed = try await day.order([["menu_id": menuID, "quantity": 2, "options": [pork, large, egg]]])
        #expect(placed.status == 202, "\(placed.text)")
        let order = try await day.stored(try #require(placed.json["order_id"] as? String))
        let item = try #require((order["items"] as? [[String: Any]])?.first)
        #expect(item["unit_price"] as? Int == 9000 + 2000 + 500 + 700)
        #expect(item["subtotal"] as? Int == 2 * 12200 && order["total_amount"] as? Int == 24400)
        #expect((item["options"] as? [[String: Any]])?.compactMap { $0["option_id"] as? String } == [large, egg, pork])
        #expect((item["options"] as? [[String: Any]])?.first?["group_name"] as? String == "Size")
        #expect(item["cancelled_quantity"] as? Int == 0 && (item["item_id"] as? String)?.count == 36)
        #expect(order["reject_reason"] is NSNull)

        // A v1 order (no options) of a menu without required groups is as it was.
        let v1 = try await day.order([["menu_id": try await day.menu("Japchae")["id"]!, "quantity": 1]])
        #expect(v1.status == 202)

        // Groups that cannot hold, and an id another menu holds, are refused.
        let demoOption = try #require(
            ((try await day.menu("Bibimbap")["option_groups"] as? [[String: Any]])?.first?["options"] as? [[String: Any]])?
                .first?["id"] as? String)
        let badGroups: [([String: Any], String)] = [
            (["name": "G", "min_select": 2, "max_select": 1, "options": [["name": "a", "price_delta": 0]]], "min_select"),
            (["name": "G", "min_select": 0, "max_select": 2, "options": [["name": "a", "price_delta": 0]]], "max_select"),
            (["name": "G", "min_select": 0, "max_select": 1, "options": [["id": demoOption, "name": "a", "price_delta": 0]]], "another menu"),
        ]
        for (group, words) in badGroups {
            let refused = try await http.request(.PUT, "/api/admin/menus/\(menuID)", token: day.admin, json: ["option_groups": [group]])
            #expect(refused.status == 400 && refused.message.contains(words), "\(refused.text)")
        }
        // Replacing the list: the groups sent are the menu's groups.
        let replaced = try await http.request(.PUT, "/api/admin/menus/\(menuID)", token: day.admin, json: ["option_groups": []])
        #expect(replaced.status == 202)
        try await day.waitForMenu(menuID, "the groups replaced") { ($0["option_groups"] as? [Any])?.isEmpty == true }
    }

    @Test(arguments: Mode.allCases)
    func countedStockSellsOutAndTheSwitchTurnsItBackOn(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let stream = try await SSEClient.open(day.cluster.baseURL(), token: day.admin)
        defer { stream.close() }
        let galbi = try await day.menu("Galbi-jjim")
        let menuID = try #require(galbi["id"] as? String)
        #expect(galbi["stock"] as? Int == 10, "the demo menu counts one dish")

        #expect(try await day.patch("/api/admin/menus/\(menuID)/availability", [:]).status == 400, "at least one field")
        let restock = try await day.patch("/api/admin/menus/\(menuID)/availability", ["stock": 3])
        #expect(restock.status == 202, "\(restock.text)")
        try await day.waitForMenu(menuID, "stock 3") { $0["stock"] as? Int == 3 }

        // More than is left is refused at once; exactly what is left sells, and the menu switches off.
        let tooMany = try await day.order([["menu_id": menuID, "quantity": 4]])
        #expect(tooMany.status == 400 && tooMany.message.contains("only 3 left"), "\(tooMany.text)")
        let last = try await day.order([["menu_id": menuID, "quantity": 2], ["menu_id": menuID, "quantity": 1]])
        #expect(last.status == 202, "\(last.text)")
        let soldOut = try await day.waitForMenu(menuID, "sold out") { $0["stock"] as? Int == 0 }
        #expect(soldOut["is_available"] as? Bool == false)
        await stream.waitFor { $0.contains { $0.event == "menu_changed" && $0.json["menu_id"] as? String == menuID && $0.json["action"] as? String == "sold_out" } }
        let after = try await day.order([["menu_id": menuID, "quantity": 1]])
        #expect(after.status == 400)

        // A restock alone keeps it off; with the switch it sells again. `null` stops counting.
        #expect(try await day.patch("/api/admin/menus/\(menuID)/availability", ["stock": 5]).status == 202)
        try await day.waitForMenu(menuID, "stock 5, still off") { $0["stock"] as? Int == 5 && $0["is_available"] as? Bool == false }
        #expect(try await day.patch("/api/admin/menus/\(menuID)/availability", ["is_available": true, "stock": 20]).status == 202)
        try await day.waitForMenu(menuID, "on again") { $0["stock"] as? Int == 20 && $0["is_available"] as? Bool == true }
        #expect(try await day.patch("/api/admin/menus/\(menuID)/availability", ["stock": NSNull()]).status == 202)
        try await day.waitForMenu(menuID, "not counted") { $0["stock"] is NSNull }
        #expect(try await day.patch("/api/admin/menus/\(UUID().uuidString.lowercased())/availability", ["stock": 1]).status == 404)
    }

    @Test(arguments: Mode.allCases)
    func categoriesAreRenamedAndOnlyEmptyOnesDeleted(mode: Mode) async throws {
        let day = try await Day.open(mode)
        defer { day.cluster.stop() }
        let http = day.http
        let listing = try await http.get("/api/stores/\(day.store.storeID)/menus").json
        let mains = try #require((listing["categories"] as? [[String: Any]])?.first?["id"] as? String)

        let renamed = try await http.request(
            .PUT, "/api/admin/categories/\(mains)", token: day.admin,
            json: ["name": "Big plates", "translations": ["en": ["name": "Big plates"], "zh-Hans": ["name": "主菜"]]])
        #expect(renamed.status == 202, "\(renamed.text)")
        _ = try await Cluster.eventually(timeout: .seconds(20), "the category renamed") {
            let categories = try await http.get("/api/stores/\(day.store.storeID)/menus").json["categories"] as? [[String: Any]]
            let category = categories?.first { $0["id"] as? String == mains }
            return category?["name"] as? String == "Big plates"
                && (category?["translations"] as? [String: Any])?["zh-Hans"] != nil ? true : nil
        }
        for translations: [String: Any] in [
            ["not a tag": ["name": "x"]], ["en": ["name": "x"], "EN": ["name": "y"]],
            ["en": ["name": "x", "description": "a category has none"]],
        ] {
            let refused = try await http.request(
                .PUT, "/api/admin/categories/\(mains)", token: day.admin, json: ["translations": translations])
            #expect(refused.status == 400, "\(translations): \(refused.text)")
        }

        let held = try await http.request(.DELETE, "/api/admin/categories/\(mains)", token: day.admin)
        #expect(held.status == 409 && held.errorCode == "CONFLICT", "\(held.text)")

        let empty = try await http.post("/api/admin/categories", token: day.admin, json: ["name": "Seasonal"])
        let emptyID = try #require(empty.json["id"] as? String)
        _ = try await Cluster.eventually(timeout: .seconds(20), "the new category listed") {
            let categories = try await http.get("/api/stores/\(day.store.storeID)/menus").json["categories"] as? [[String: Any]]
            return categories?.contains { $0["id"] as? String == emptyID } == true ? true : nil
        }
        #expect(try await http.request(.DELETE, "/api/admin/categories/\(emptyID)", token: day.admin).status == 202)
        _ = try await Cluster.eventually(timeout: .seconds(20), "the empty category gone") {
            let categories = try await http.get("/api/stores/\(day.store.storeID)/menus").json["categories"] as? [[String: Any]]
            return categories?.contains { $0["id"] as? String == emptyID } == false ? true : nil
        }
        #expect(try await http.request(.DELETE, "/api/admin/categories/\(emptyID)", token: day.admin).status == 404)
    }
}
