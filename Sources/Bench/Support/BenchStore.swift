import Foundation
import TableOrderCore

/// A store seeded for one part of the run, with tokens for its admin and tables and its menu ids.
struct BenchStore: Sendable {
    var storeID: String
    var adminToken: String
    var tableTokens: [String]
    var tableIDs: [String]
    var menuIDs: [String]
    /// Per menu, the options its order lines choose: the first of each of its groups (v1.1).
    var options: [String: [String]] = [:]

    static let adminPassword = "bench-admin"
    static let tablePassword = "bench-table"

    /// Seeds through `tableorder-worker seed` (demo menu) and logs in through the running API.
    static func seed(_ env: BenchEnvironment, name: String, tables: Int) async throws -> BenchStore {
        let storeID = "bench-\(name)-" + UUID().uuidString.prefix(6).lowercased()
        try await env.runWorkerCommand([
            "seed", "--store-id", storeID, "--store-name", "Bench \(name)", "--admin-username", "admin",
            "--admin-password", adminPassword, "--tables", String(tables), "--table-password", tablePassword,
            "--demo-menu",
        ])
        let admin = try await BenchHTTP.request(
            "\(env.apiBase)/api/auth/admin/login", method: .POST,
            json: ["store_id": storeID, "username": "admin", "password": adminPassword])
        guard admin.status == 200, let adminToken = admin.json["access_token"] as? String else {
            throw BenchError("admin login: \(admin.status)")
        }
        var tokens: [String] = []
        var tableIDs: [String] = []
        for number in 1...tables {
            let table = try await BenchHTTP.request(
                "\(env.apiBase)/api/auth/table/login", method: .POST,
                json: ["store_id": storeID, "table_number": number, "password": tablePassword])
            guard table.status == 200, let token = table.json["access_token"] as? String,
                let claims = try? JSON.decode(TableClaims.self, from: Base64URL.decode(String(token.split(separator: ".")[1])) ?? Data())
            else { throw BenchError("table login: \(table.status)") }
            tokens.append(token)
            tableIDs.append(claims.tableID)
        }
        let menu = try await BenchHTTP.request("\(env.apiBase)/api/stores/\(storeID)/menus")
        let menus = menu.json["menus"] as? [[String: Any]] ?? []
        let ids = menus.compactMap { $0["id"] as? String }
        guard ids.count >= 3 else { throw BenchError("menu of \(storeID): \(menu.status)") }
        var options: [String: [String]] = [:]
        for menu in menus {
            guard let id = menu["id"] as? String else { continue }
            options[id] = (menu["option_groups"] as? [[String: Any]] ?? []).compactMap {
                ($0["options"] as? [[String: Any]])?.first?["id"] as? String
            }
        }
        return BenchStore(
            storeID: storeID, adminToken: adminToken, tableTokens: tokens, tableIDs: tableIDs, menuIDs: ids, options: options)
    }

    private struct TableClaims: Decodable {
        var tableID: String
        enum CodingKeys: String, CodingKey { case tableID = "table_id" }
    }

    /// The order body every scenario sends: three lines, like the references insert, each choosing an option of
    /// each of its menu's groups (the demo menu's first three dishes have four groups among them).
    func orderBody(note: String? = nil) -> Data {
        var body: [String: Any] = [
            "items": menuIDs.prefix(3).map { ["menu_id": $0, "quantity": 2, "options": options[$0] ?? []] }
        ]
        if let note { body["note"] = note }
        return try! JSONSerialization.data(withJSONObject: body)
    }
}
