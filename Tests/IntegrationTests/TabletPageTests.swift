import Foundation
import NIOHTTP1
import TableOrderStorage
import Testing

/// The diner's tablet (`GET /table`) in a real browser (headless Chromium through chromedriver), against a
/// production-mode API and worker on the real services: set up by staff, ordering with options, the
/// order's fate followed live, ordering through a dead network and a reload, a double tap, the last
/// portion taken by another table, a dish switched off, and a staff call.
@Suite(
    .enabled(
        if: TestEnvironment.isAvailable, "run through ops/test.sh (needs the real services and ops/browser.sh install)"))
struct TabletPageTests {
    @Test func aDinerOrdersAndFollowsTheOrderThroughADeadNetwork() async throws {
        let day = try await Day.open(.production, ownQueue: true)
        defer { day.cluster.stop() }
        let bibimbap = try await day.menu("Bibimbap")
        let jjigae = try await day.menu("Kimchi Jjigae")
        let bulgogi = try await day.menu("Bulgogi")
        let galbi = try await day.menu("Galbi-jjim")

        try await WebDriver.withSession { browser in
            let tablet = TabletPage(browser: browser, day: day)
            try await tablet.setUp(table: 1)

            // Bibimbap, hot, with a fried egg (+1,000), twice: the page prices it as the server will.
            try await tablet.openMenu(bibimbap)
            try await tablet.choose("Hot")
            try await tablet.choose("Fried egg")
            #expect(try await tablet.digits("[data-testid=item-add]") == 12000)
            try await browser.click("[data-testid=item-add]")
            try await browser.click("[data-testid=cart-line] [data-action=line-more]")
            #expect(try await tablet.digits("[data-testid=cart-total]") == 24000)
            try await browser.click("[data-testid=place-order]")
            let first = try await tablet.waitForNewOrder(count: 1)
            let stored = try await day.stored(first)
            #expect(stored["total_amount"] as? Int == 24000)
            let item = try #require((stored["items"] as? [[String: Any]])?.first)
            #expect((item["options"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["매운 맛", "계란 프라이"])
            try await browser.waitFor(tablet.order(first, status: "pending"))

            // Staff move it on: the tablet follows the table's stream.
            #expect(try await day.patch("/api/admin/orders/\(first)/status", ["status": "preparing"]).status == 202)
            try await browser.waitFor(tablet.order(first, status: "preparing"), timeout: .seconds(20))

            // A double tap on "order" is one order (counted below: the queue is the cluster's own and one worker
            // takes it in order, so a second order from the tap would be stored before the next one).
            try await tablet.addPlain(jjigae)
            try await browser.execute(
                "const b = document.querySelector('[data-testid=place-order]'); b.click(); b.click(); return true")
            _ = try await tablet.waitForNewOrder(count: 2)

            // The network dies before "order" is pressed, and the tablet is reloaded while it is dead: the order
            // waits on the device, and is sent once the network is back. Exactly one order, with its total.
            try await tablet.addPlain(bulgogi)
            try await browser.setOffline(true)
            try await browser.click("[data-testid=place-order]")
            try await browser.waitFor("[data-testid=outbox][data-state=waiting]")
            try await browser.navigate(to: day.cluster.baseURL() + "/table")
            // The page comes back from the tablet's service worker, with the order still waiting.
            try await browser.waitFor("[data-testid=outbox][data-state=waiting]")
            try await browser.setOffline(false)
            let third = try await tablet.waitForNewOrder(count: 3)
            try await browser.waitForNone("[data-testid=outbox]:not([hidden])", timeout: .seconds(20))
            #expect(try await day.stored(third)["total_amount"] as? Int == 15000)
            #expect(try await tablet.storedOrders() == 3, "one order of the double tap, one of the dead network")

            // The answer to the first try was lost (the order was stored, the tablet never heard): the tablet
            // sends the same key again after a reload, and the server answers with the same order.
            let key = "order-lost-answer-\(UUID().uuidString)"
            let body: [String: Any] = ["items": [["menu_id": jjigae["id"]!, "quantity": 1]]]
            let lost = try await day.http.post(
                "/api/orders", token: day.tables[0], json: body, headers: [("Idempotency-Key", key)])
            #expect(lost.status == 202)
            _ = try await day.stored(try #require(lost.json["order_id"] as? String))
            let outbox: [String: Any] = [
                "key": key, "tableKey": "\(day.store.storeID)/1", "body": body,
                "lines": [["id": "x", "menuId": jjigae["id"]!, "options": [], "quantity": 1]], "placedAt": 0,
            ]
            let outboxJSON = String(decoding: try JSONSerialization.data(withJSONObject: outbox), as: UTF8.self)
            try await browser.execute("localStorage.setItem('tableorder.table.outbox', arguments[0]); return true", [outboxJSON])
            try await browser.navigate(to: day.cluster.baseURL() + "/table")
            try await browser.waitFor("[data-testid=order][data-order-id=\"\(lost.json["order_id"] as! String)\"]", timeout: .seconds(20))
            try await browser.waitForNone("[data-testid=outbox]:not([hidden])", timeout: .seconds(20))
            #expect(try await tablet.storedOrders() == 4)

            // Another table takes the last portion while the tablet's order waits in the queue: the tablet's
            // order is rejected, and the tablet says why; the dish shows sold out.
            let galbiID = try #require(galbi["id"] as? String)
            #expect(try await day.patch("/api/admin/menus/\(galbiID)/availability", ["stock": 1]).status == 202)
            try await day.waitForMenu(galbiID, "one portion left") { $0["stock"] as? Int == 1 }
            await day.cluster.stopWorkers()
            #expect(try await day.order(table: 1, [["menu_id": galbiID, "quantity": 1]]).status == 202)
            try await tablet.addPlain(galbi)
            try await browser.click("[data-testid=place-order]")
            let rejected = try await tablet.waitForNewOrder(count: 5, stored: false)
            try await day.cluster.startWorker()
            try await browser.waitFor(tablet.order(rejected, status: "rejected"), timeout: .seconds(30))
            let reason = try await browser.text("\(tablet.order(rejected)) [data-testid=reject-reason]")
            #expect(reason.contains("sold out") && reason.contains("Galbi-jjim"), "\(reason)")
            try await browser.waitFor("\(tablet.menuCard(galbiID))[data-available=false]", timeout: .seconds(20))

            // Staff switch a dish off: it greys out on the tablet by itself.
            let switchedOff = ContinuousClock.now
            let bulgogiID = try #require(bulgogi["id"] as? String)
            #expect(try await day.patch("/api/admin/menus/\(bulgogiID)/availability", ["is_available": false]).status == 202)
            try await browser.waitFor("\(tablet.menuCard(bulgogiID))[data-available=false]", timeout: .seconds(20))
            print("TabletPageTests: a dish switched off greyed out on the tablet \(switchedOff.duration(to: .now)) after the 202")

            // A staff call: asked on the tablet, acknowledged by staff, shown as seen.
            try await browser.click("[data-testid=call-water]")
            try await browser.waitFor("[data-testid=call-water][data-state=open]", timeout: .seconds(20))
            let calls = try await day.http.get("/api/admin/calls", token: day.admin).json["calls"] as? [[String: Any]]
            let callID = try #require(calls?.first { $0["type"] as? String == "water" }?["call_id"] as? String)
            #expect(try await day.patch("/api/admin/calls/\(callID)", ["status": "acknowledged"]).status == 202)
            try await browser.waitFor("[data-testid=call-water][data-state=acknowledged]", timeout: .seconds(20))

            // Both languages, both orientations, kept as artifacts.
            try await tablet.screenshot("tablet-en-landscape", width: 1280, height: 800)
            try await browser.click("[data-testid=language-toggle]")
            #expect(try await browser.execute("return document.documentElement.lang") as? String == "ko")
            _ = try await browser.waitFor("[data-testid=menu-name]")
            try await tablet.screenshot("tablet-ko-landscape", width: 1280, height: 800)
            try await tablet.screenshot("tablet-ko-portrait", width: 768, height: 1024)
            try await browser.click("[data-testid=language-toggle]")
            try await tablet.screenshot("tablet-en-portrait", width: 768, height: 1024)

            // Staff reset the table's password: the tablet's token ends, and the tablet asks for staff again,
            // with the store and table filled in.
            let reset = try await day.http.post(
                "/api/admin/tables", token: day.admin, json: ["table_number": 1, "password": "new-table-pass"])
            #expect(reset.status == 202)
            try await browser.waitFor("[data-testid=setup-view]:not([hidden])", timeout: .seconds(30))
            #expect(try await browser.text("[data-testid=setup-error]").isEmpty == false)
            #expect(try await browser.execute("return document.querySelector('[data-testid=setup-table]').value") as? String == "1")

            let errors = await browser.browserLog().filter {
                $0.hasPrefix("SEVERE") && !$0.contains("/api/") && !$0.contains("ERR_INTERNET_DISCONNECTED")
            }
            #expect(errors.isEmpty, "browser errors: \(errors)")
        }
    }
}

extension TabletPageTests {
    /// What the README promises a newcomer: `swift run tableorder-api` alone prints the tablet's address
    /// beside the board's, and a diner orders on it with the printed table password.
    @Test func theTabletWorksInDevelopmentModeWithThePrintedAddress() async throws {
        let cluster = try await Cluster.start(.development)
        defer { cluster.stop() }
        let output = try await Cluster.eventually(timeout: .seconds(60), "the printed introduction") {
            cluster.apis[0].output.contains("/table\n") ? cluster.apis[0].output : nil
        }
        #expect(output.contains("\(cluster.baseURL())/table\n"), "the tablet's address is printed")
        let tablesLine = try #require(output.split(separator: "\n").first { $0.contains("tables: 1..") })
        let demo = SeededStore(
            storeID: "demo", adminPassword: "", tablePassword: String(tablesLine.split(separator: " ").last!), tables: 5)
        let tableToken = try await cluster.tableToken(demo, table: 1)
        let menu = try #require(try await cluster.menus(demo).first { ($0["option_groups"] as? [Any])?.isEmpty == true })

        try await WebDriver.withSession { browser in
            try await browser.navigate(to: cluster.baseURL() + "/table")
            try await browser.type("demo", into: "[data-testid=setup-store]")
            try await browser.type("1", into: "[data-testid=setup-table]")
            try await browser.type(demo.tablePassword, into: "[data-testid=setup-password]")
            try await browser.click("[data-testid=setup-submit]")
            try await browser.click("[data-testid=menu-card][data-menu-id=\"\(menu["id"] as! String)\"]", timeout: .seconds(60))
            try await browser.click("[data-testid=item-add]")
            try await browser.click("[data-testid=place-order]")
            let shown = try await browser.waitFor("[data-testid=order][data-status=pending]", timeout: .seconds(20))
            let id = try #require(try await browser.execute("return arguments[0].dataset.orderId", [shown]) as? String)
            let stored = try await cluster.http().get("/api/orders/\(id)", token: tableToken)
            #expect(stored.status == 200 && stored.json["total_amount"] as? Int == menu["price"] as? Int)
        }
    }
}

/// The tablet as the test sees it: selectors, and the steps a diner (and staff, once) take.
struct TabletPage {
    let browser: WebDriver
    let day: Day

    func order(_ id: String, status: String? = nil) -> String {
        "[data-testid=order][data-order-id=\"\(id)\"]" + (status.map { "[data-status=\"\($0)\"]" } ?? "")
    }

    func menuCard(_ id: String) -> String { "[data-testid=menu-card][data-menu-id=\"\(id)\"]" }

    /// Staff set the tablet up for a table; the menu and the (empty) order list appear.
    func setUp(table: Int) async throws {
        try await browser.setWindowSize(width: 1280, height: 800)
        try await browser.navigate(to: day.cluster.baseURL() + "/table")
        try await browser.type(day.store.storeID, into: "[data-testid=setup-store]")
        try await browser.type(String(table), into: "[data-testid=setup-table]")
        try await browser.type(day.store.tablePassword, into: "[data-testid=setup-password]")
        try await browser.click("[data-testid=setup-submit]")
        // A login hashes the password (scrypt, on NIO's thread pool): 10 s and more while every suite runs.
        _ = try await browser.waitFor("[data-testid=ordering-view]:not([hidden])", timeout: .seconds(60))
        _ = try await browser.waitFor("[data-testid=menu-card]", timeout: .seconds(20))
    }

    func openMenu(_ menu: [String: Any]) async throws {
        try await browser.click(menuCard(menu["id"] as! String))
        _ = try await browser.waitFor("[data-testid=item-dialog][open]")
    }

    /// Ticks the option whose English name is `english` (the page is in English), found and clicked in one
    /// step (a menu reloaded meanwhile redraws the dialog's options).
    func choose(_ english: String) async throws {
        let clicked = try await browser.execute(
            """
            const label = [...document.querySelectorAll('[data-testid=item-dialog] label.option')]
              .find((node) => node.textContent.trim().startsWith(arguments[0]));
            if (label) label.click();
            return Boolean(label)
            """, [english])
        guard clicked as? Bool == true else { throw TestFailure("no option \(english)") }
    }

    /// One portion of a menu without options into the cart.
    func addPlain(_ menu: [String: Any]) async throws {
        try await openMenu(menu)
        try await browser.click("[data-testid=item-add]")
        try await browser.waitForNone("[data-testid=item-dialog][open]")
    }

    /// The digits of an element's text (amounts are formatted by language).
    func digits(_ selector: String) async throws -> Int? {
        Int(try await browser.text(selector).filter(\.isNumber))
    }

    /// Waits until the page lists `count` orders and returns the newest one's id (stored by the worker,
    /// unless `stored` is false).
    func waitForNewOrder(count: Int, stored: Bool = true) async throws -> String {
        let ids = try await Cluster.eventually(timeout: .seconds(30), "\(count) orders on the tablet") { () -> [String]? in
            let listed = try await browser.execute(
                "return [...document.querySelectorAll('[data-testid=order]')].map(o => o.dataset.orderId)") as? [String]
            return (listed?.count ?? 0) >= count ? listed : nil
        }
        let newest = ids[0]
        if stored { _ = try await day.stored(newest) }
        return newest
    }

    /// How many orders table 1 has in PostgreSQL.
    func storedOrders() async throws -> Int {
        try await day.cluster.count(
            "SELECT count(*) FROM orders o JOIN dining_tables t ON t.id = o.table_id WHERE t.store_id = ? AND t.table_number = 1",
            [.text(day.store.storeID)])
    }

    /// `test-artifacts/NAME.png` at the repository's root, at the window size given.
    func screenshot(_ name: String, width: Int, height: Int) async throws {
        try await browser.setWindowSize(width: width, height: height)
        // The menu from its top, the side panel at the orders, no passing messages over them.
        try await browser.execute(
            """
            document.querySelector('#toasts').replaceChildren();
            document.querySelector('.menu').scrollTop = 0;
            document.querySelector('#orders-title').scrollIntoView({ block: 'start' });
            return true
            """)
        try await Task.sleep(for: .milliseconds(500))  // the layout settles after the resize
        let root = TestEnvironment.env["TABLEORDER_REPO_ROOT"] ?? FileManager.default.currentDirectoryPath
        let directory = URL(fileURLWithPath: root).appendingPathComponent("test-artifacts")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await browser.screenshot().write(to: directory.appendingPathComponent("\(name).png"))
    }
}
