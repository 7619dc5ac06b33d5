import Foundation
import Logging
@testable import TableOrderCore
@testable import TableOrderStorage
@testable import TableOrderWorker
import Testing

/// The worker's v1.1 rules for orders (contract §5–6), on the embedded SQLite engine: options priced by the
/// server, counted stock taken in the order's transaction, orders the kitchen cannot serve stored as
/// `rejected`, and partial cancels.
@Suite struct KitchenRulesTests {
    struct Fixture {
        var engine: SQLiteEngine
        var store: SQLStore
        var plan: SeedPlan

        func menu(_ english: String) -> MenuItem {
            plan.menus.first { $0.translations["en"]?.name == english }!
        }

        func option(_ menu: MenuItem, _ english: String) -> String {
            menu.optionGroups.flatMap(\.options).first { $0.translations["en"]?.name == english }!.id
        }

        func order(
            table: Int = 0, _ lines: [(MenuItem, Int, [String])], id: String = UUID().lowercased
        ) -> CommandEnvelope {
            CommandEnvelope(
                command: .createOrder(
                    CreateOrder(
                        orderID: id, storeID: plan.storeID, tableID: plan.tables[table].id.lowercased,
                        lines: lines.map { .init(menuID: $0.0.id, quantity: $0.1, options: $0.2) }, note: nil,
                        requestHash: "h", requestedAt: Timestamp.now())))
        }

        func command(_ command: Command) -> CommandEnvelope { CommandEnvelope(command: command) }

        func apply(_ envelopes: [CommandEnvelope]) async throws -> CommandHandler.Applied {
            try await store.transaction { tx in try await CommandHandler().apply(envelopes, in: tx) }
        }

        func stored(_ id: String) async throws -> Order {
            try #require(try await store.order(id: UUID(uuidString: id)!))
        }

        func listed(_ menuID: String) async throws -> MenuItem {
            try #require(try await store.menu(storeID: plan.storeID)?.menus.first { $0.id == menuID })
        }
    }

    func fixture() async throws -> Fixture {
        let path = NSTemporaryDirectory() + "tableorder-kitchen-\(UUID().uuidString.prefix(8)).sqlite"
        let engine = try await SQLiteEngine.open(path: path, logger: Logger(label: "test"))
        _ = try await engine.migrate()
        let plan = try SeedPlan(
            storeID: "kitchen", storeName: "Kitchen", adminUsername: "admin", adminPassword: "pass1", tableCount: 2,
            tablePassword: "pass2", demoMenu: true)
        let store = SQLStore(engine: engine)
        try await store.seed(plan)
        return Fixture(engine: engine, store: store, plan: plan)
    }

    @Test func optionsArePricedByTheServerInTheMenusOrder() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        let bibimbap = f.menu("Bibimbap")
        let chosen = [f.option(bibimbap, "Cheese"), f.option(bibimbap, "Hot"), f.option(bibimbap, "Fried egg")]
        let id = UUID().lowercased
        let applied = try await f.apply([f.order([(bibimbap, 2, chosen)], id: id)])
        #expect(applied.events.map(\.type) == ["order_created"])
        let order = try await f.stored(id)
        let item = try #require(order.items.first)
        #expect(item.unitPrice == 11000 + 1500 + 1000)
        #expect(item.subtotal == 2 * 13500 && order.totalAmount == 27000)
        #expect(item.options.map { $0.optionID } == [chosen[1], chosen[2], chosen[0]], "groups, then options, in the menu's order")
        #expect(item.options.first?.groupName == "맵기")
        #expect(item.itemID == OrderItem.id(orderID: id, line: 0))
        #expect(item.cancelledQuantity == 0)
    }

    @Test func theLastPortionsGoToTheFirstOrderAndTheMenuSwitchesOff() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        let galbi = f.menu("Galbi-jjim")
        #expect(galbi.stock == 10)
        let first = UUID().lowercased, second = UUID().lowercased, third = UUID().lowercased
        let applied = try await f.apply([
            f.order(table: 0, [(galbi, 7, [])], id: first), f.order(table: 1, [(galbi, 4, [])], id: second),
            f.order(table: 1, [(galbi, 3, [])], id: third),
        ])
        #expect(applied.events.map(\.type) == ["order_created", "order_rejected", "order_created", "menu_changed"])
        #expect(applied.staleMenus == [f.plan.storeID], "the listing's stock changed")
        #expect(try await f.stored(first).status == .pending)
        let rejected = try await f.stored(second)
        #expect(rejected.status == .rejected)
        #expect(rejected.rejectReason == RejectReason(code: .soldOut, menuID: galbi.id))
        #expect(try await f.stored(third).status == .pending, "3 of the 3 left")
        let listed = try await f.listed(galbi.id)
        #expect(listed.stock == 0 && !listed.isAvailable)
        // Nothing of a rejected order counts or takes stock; a restock alone does not switch it back on.
        let tables = try await f.store.tables(storeID: f.plan.storeID)
        #expect(tables.map(\.totalAmount) == [7 * 28000, 3 * 28000])
        _ = try await f.apply([
            f.command(.setMenuAvailability(.init(menuID: galbi.id, storeID: f.plan.storeID, isAvailable: nil, setsStock: true, stock: 5)))
        ])
        #expect(try await f.listed(galbi.id).isAvailable == false)
        #expect(try await f.listed(galbi.id).stock == 5)
    }

    @Test func ordersTheKitchenCannotServeAreStoredRejectedWithTheirReason() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        let bibimbap = f.menu("Bibimbap"), japchae = f.menu("Japchae"), sikhye = f.menu("Sikhye")
        let hot = f.option(bibimbap, "Hot"), mild = f.option(bibimbap, "Mild")
        _ = try await f.apply([
            f.command(.deleteMenu(.init(menuID: japchae.id, storeID: f.plan.storeID))),
            f.command(.setMenuAvailability(.init(menuID: sikhye.id, storeID: f.plan.storeID, isAvailable: false, setsStock: false, stock: nil))),
        ])
        var groups = bibimbap.optionGroups
        groups[0].options[2].isAvailable = false  // Hot
        _ = try await f.apply([f.command(.updateMenu(.init(menuID: bibimbap.id, storeID: f.plan.storeID, optionGroups: groups)))])
        let cases: [(CommandEnvelope, RejectReason)] = [
            (f.order([(bibimbap, 1, []), (japchae, 1, [])]), RejectReason(code: .menuUnavailable, menuID: japchae.id)),
            (f.order([(sikhye, 1, [])]), RejectReason(code: .menuUnavailable, menuID: sikhye.id)),
            (f.order([(bibimbap, 1, [hot])]), RejectReason(code: .optionUnavailable, menuID: bibimbap.id, optionID: hot)),
            (f.order([(bibimbap, 1, [hot, mild])]), RejectReason(code: .optionUnavailable, menuID: bibimbap.id, optionID: hot)),
        ]
        let applied = try await f.apply(cases.map(\.0))
        #expect(applied.events.map(\.type) == Array(repeating: "order_rejected", count: cases.count))
        for ((envelope, reason), event) in zip(cases, applied.events) {
            guard case .createOrder(let command) = envelope.command else { continue }
            let order = try await f.stored(command.orderID)
            #expect(order.status == .rejected && order.rejectReason == reason)
            let data = try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any]
            #expect((data?["reason"] as? [String: Any])?["code"] as? String == reason.code.rawValue)
            #expect(data?["table_id"] as? String == f.plan.tables[0].id.lowercased && event.tableID == data?["table_id"] as? String)
        }
        #expect(try await f.store.tables(storeID: f.plan.storeID)[0].totalAmount == 0, "no total counts a rejected order")
    }

    @Test func partialCancelsReturnStockLowerTotalsAndEndTheOrder() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        let galbi = f.menu("Galbi-jjim"), bulgogi = f.menu("Bulgogi")
        let egg = f.option(bulgogi, "Fried egg")
        let id = UUID().lowercased
        _ = try await f.apply([f.order([(galbi, 3, []), (bulgogi, 2, [egg])], id: id)])
        #expect(try await f.listed(galbi.id).stock == 7)
        func cancel(_ line: Int, _ quantity: Int) -> CommandEnvelope {
            f.command(.cancelOrderItems(.init(
                orderID: id, storeID: f.plan.storeID, itemID: OrderItem.id(orderID: id, line: line), quantity: quantity)))
        }
        var applied = try await f.apply([cancel(0, 2)])
        #expect(applied.events.map(\.type) == ["order_items_cancelled"])
        var order = try await f.stored(id)
        #expect(order.items[0].cancelledQuantity == 2 && order.items[0].subtotal == 28000)
        #expect(order.totalAmount == 28000 + 2 * 16000)
        #expect(try await f.listed(galbi.id).stock == 9, "portions go back to the counted stock")
        // More than is left: dropped, and said.
        applied = try await f.apply([cancel(0, 2)])
        #expect(applied.events.map(\.type) == ["order_status_rejected"])
        #expect(applied.events.first?.data.contains("\"requested\":\"cancel_items\"") == true)
        // The rest: nothing is left, so the order is cancelled.
        applied = try await f.apply([cancel(0, 1), cancel(1, 2)])
        #expect(applied.events.map(\.type) == ["order_items_cancelled", "order_items_cancelled", "order_status_changed"])
        order = try await f.stored(id)
        #expect(order.status == .cancelled && order.totalAmount == 0)
        applied = try await f.apply([cancel(1, 1)])
        #expect(applied.events.map(\.type) == ["order_status_rejected"], "a cancelled order takes no cancel")
    }

    @Test func anOrderCancelledOrDeletedUnservedGivesItsPortionsBack() async throws {
        let f = try await fixture()
        defer { Task { await f.engine.close() } }
        let galbi = f.menu("Galbi-jjim")
        let first = UUID().lowercased, second = UUID().lowercased
        _ = try await f.apply([f.order([(galbi, 3, [])], id: first), f.order(table: 1, [(galbi, 2, [])], id: second)])
        #expect(try await f.listed(galbi.id).stock == 5)
        let applied = try await f.apply([
            f.command(.changeOrderStatus(.init(orderID: first, storeID: f.plan.storeID, from: .pending, to: .cancelled))),
            f.command(.deleteOrder(.init(orderID: second, storeID: f.plan.storeID))),
        ])
        #expect(applied.events.map(\.type) == ["order_status_changed", "order_deleted"])
        #expect(try await f.listed(galbi.id).stock == 10)
        // A stock set to 0 is sold out.
        _ = try await f.apply([
            f.command(.setMenuAvailability(.init(menuID: galbi.id, storeID: f.plan.storeID, isAvailable: true, setsStock: true, stock: 0)))
        ])
        #expect(try await f.listed(galbi.id).isAvailable == false)
    }

    @Test func pricingRefusesWhatTheGroupsForbid() throws {
        let menu = MenuItem(
            id: "m", categoryID: "c", name: "Noodles", price: 1000, description: nil, imageURL: nil, isAvailable: true,
            sortOrder: 0,
            optionGroups: [
                OptionGroup(id: "size", name: "Size", minSelect: 1, maxSelect: 1, options: [
                    MenuOption(id: "s", name: "Small", priceDelta: -2000), MenuOption(id: "l", name: "Large", priceDelta: 500),
                ]),
                OptionGroup(id: "top", name: "Toppings", minSelect: 0, maxSelect: 2, options: [
                    MenuOption(id: "a", name: "A", priceDelta: 100), MenuOption(id: "b", name: "B", priceDelta: 100),
                    MenuOption(id: "c", name: "C", priceDelta: 100, isAvailable: false),
                ]),
            ])
        func problem(_ ids: [String]) -> LineProblem? {
            do throws(LineProblem) {
                _ = try OrderLinePricing.price(menu, optionIDs: ids)
                return nil
            } catch {
                return error
            }
        }
        #expect(problem([]) == .groupBounds(group: "Size", minSelect: 1, maxSelect: 1, chosen: 0))
        #expect(problem(["l", "s"]) == .groupBounds(group: "Size", minSelect: 1, maxSelect: 1, chosen: 2))
        #expect(problem(["l", "a", "b", "a"]) == .duplicateOption("a"))
        #expect(problem(["l", "c"]) == .optionUnavailable("c"))
        #expect(problem(["l", "zzz"]) == .unknownOption("zzz"))
        #expect(problem(["s"]) == .negativePrice(-1000))
        #expect(problem(["l", "a", "b"]) == nil)
        #expect(try OrderLinePricing.price(menu, optionIDs: ["b", "l"]).unitPrice == 1600)
    }
}
