import Foundation
import NIOHTTP1
import TableOrderStorage
import Testing

/// What the tests of the restaurant's day (contract v1.1 §5–7) share: a cluster with a seeded store, its
/// tokens, and the steps staff and tables take.
struct Day {
    let cluster: Cluster
    let store: SeededStore
    let admin: String
    let tables: [String]

    static func open(_ mode: Mode, workers: Int = 1, ownQueue: Bool = false) async throws -> Day {
        let cluster = try await Cluster.start(mode, workers: workers, ownQueue: ownQueue)
        do {
            let store = try await cluster.seedStore(tables: 3)
            var tables: [String] = []
            for number in 1...3 { tables.append(try await cluster.tableToken(store, table: number)) }
            return Day(cluster: cluster, store: store, admin: try await cluster.adminToken(store), tables: tables)
        } catch {
            cluster.stop()
            throw error
        }
    }

    var http: TestHTTP { cluster.http() }

    /// The listing's menu named `english` (the demo menu's names are Korean; English is their translation).
    func menu(_ english: String) async throws -> [String: Any] {
        let menus = try await cluster.menus(store)
        let found = menus.first { menu in
            let translated = (menu["translations"] as? [String: [String: Any]])?["en"]?["name"] as? String
            return translated == english || menu["name"] as? String == english
        }
        return try #require(found, "no menu \(english)")
    }

    func menu(id: String) async throws -> [String: Any]? {
        try await cluster.menus(store).first { $0["id"] as? String == id }
    }

    /// Waits until the listing shows the menu as `matches` wants it (the worker invalidates the cache).
    @discardableResult
    func waitForMenu(_ id: String, _ what: String, _ matches: @escaping ([String: Any]) -> Bool) async throws -> [String: Any] {
        try await Cluster.eventually(timeout: .seconds(20), what) {
            guard let menu = try await self.menu(id: id), matches(menu) else { return nil }
            return menu
        }
    }

    func order(
        table: Int = 0, _ lines: [[String: Any]], key: String? = nil
    ) async throws -> HTTPResult {
        try await http.post(
            "/api/orders", token: tables[table], json: ["items": lines],
            headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    /// The order once the worker stored it.
    func stored(_ id: String, table: Int = 0) async throws -> [String: Any] {
        try await Cluster.eventually(timeout: .seconds(20), "order \(id) stored") {
            let result = try await self.http.get("/api/orders/\(id)", token: self.tables[table])
            return result.status == 200 ? result.json : nil
        }
    }

    func storedStatus(_ id: String) async throws -> String? {
        try await cluster.query("SELECT status FROM orders WHERE id = ?", [.uuid(UUID(uuidString: id)!)]).first?.string(0)
    }

    func patch(_ path: String, _ body: [String: Any], key: String? = nil) async throws -> HTTPResult {
        try await http.request(.PATCH, path, token: admin, json: body, headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }
}

extension HTTPResult {
    var message: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? "" }
}
