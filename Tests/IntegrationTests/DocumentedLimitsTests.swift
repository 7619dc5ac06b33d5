import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

/// The OpenAPI document and the API's behaviour agree on every limit: for each bound the served document
/// states on a request's body, header or query (`minimum`/`maximum`, `minLength`/`maxLength`,
/// `minItems`/`maxItems`), on every operation that states it, the value at the bound is accepted and the
/// value just past it is refused with 400 `VALIDATION_ERROR`. The bounds are read from `GET /openapi.json`,
/// so a limit added to the document without a request here to try it fails the test instead of going
/// untried. (The document and the validators read the same `Limits`; this checks that each validator
/// really applies its limit, in the unit the document states.)
@Suite(.enabled(if: try TestEnvironment.requires(.executables), "needs the built executables"))
struct DocumentedLimitsTests {
    /// One bound of the document: where it applies and its range, in the document's unit.
    struct Bound: CustomStringConvertible {
        enum Location: String { case body, header, query }
        enum Kind { case integer, text, array }
        var operation: String
        var location: Location
        /// Property names from the body's root; `[]` steps into an array's items.
        var path: [String]
        var kind: Kind
        var minimum: Int?
        var maximum: Int?
        var description: String { "\(operation) \(location.rawValue) \(path.joined(separator: "."))" }
    }

    @Test func everyDocumentedLimitHoldsAtAndJustPastItsBound() async throws {
        let cluster = try await Cluster.start(
            .development,
            environment: ["RATE_LIMIT": "100000", "LOGIN_RATE_LIMIT": "100000", "SSE_MAX_STREAMS_PER_USER": "1000"])
        defer { cluster.stop() }
        let http = cluster.http()
        let document = try JSONSerialization.jsonObject(with: Data(try await http.get("/openapi.json").body)) as? [String: Any]
        let bounds = try Self.bounds(in: try #require(document))
        #expect(bounds.count >= 20, "the document states the contract's limits: \(bounds)")

        let requests = try await Requests(cluster: cluster)
        var untried: [Bound] = []
        for bound in bounds {
            guard let base = requests.base(for: bound.operation) else {
                untried.append(bound)
                continue
            }
            for (amount, accepted) in Self.probes(bound) {
                let result = try await requests.send(base, bound: bound, amount: amount)
                let outcome = "\(bound) = \(amount) (\(bound.kind)): \(result.status) \(result.text.prefix(200))"
                if accepted {
                    #expect(base.accepted.contains(result.status), "accepted at the bound: \(outcome)")
                } else {
                    #expect(result.status == 400 && result.errorCode == "VALIDATION_ERROR", "refused past the bound: \(outcome)")
                }
            }
        }
        #expect(untried.isEmpty, "documented limits no request here tries: \(untried)")
    }

    /// The amounts to send and whether each must be accepted: each bound, and one past it.
    static func probes(_ bound: Bound) -> [(Int, Bool)] {
        var probes: [(Int, Bool)] = []
        if let minimum = bound.minimum {
            probes.append((minimum, true))
            // A length or count below zero cannot be sent.
            if bound.kind == .integer || minimum > 0 { probes.append((minimum - 1, false)) }
        }
        if let maximum = bound.maximum { probes += [(maximum, true), (maximum + 1, false)] }
        return probes
    }

    // MARK: Reading the document

    static func bounds(in document: [String: Any]) throws -> [Bound] {
        let schemas = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
        func resolve(_ schema: [String: Any]) -> [String: Any] {
            if let ref = schema["$ref"] as? String, let name = ref.split(separator: "/").last,
                let target = schemas[String(name)] as? [String: Any]
            {
                return resolve(target)
            }
            if let parts = schema["allOf"] as? [[String: Any]] {
                var merged: [String: Any] = [:]
                for part in parts.map(resolve) {
                    merged.merge(part) { first, second in
                        if let a = first as? [String: Any], let b = second as? [String: Any] { return a.merging(b) { x, _ in x } }
                        return first
                    }
                }
                return merged
            }
            return schema
        }
        func bound(_ schema: [String: Any], operation: String, location: Bound.Location, path: [String]) -> Bound? {
            let pairs: [(Bound.Kind, String, String)] = [
                (.integer, "minimum", "maximum"), (.text, "minLength", "maxLength"), (.array, "minItems", "maxItems"),
            ]
            for (kind, low, high) in pairs where schema[low] != nil || schema[high] != nil {
                return Bound(
                    operation: operation, location: location, path: path, kind: kind,
                    minimum: (schema[low] as? NSNumber)?.intValue, maximum: (schema[high] as? NSNumber)?.intValue)
            }
            return nil
        }
        func walk(_ schema: [String: Any], operation: String, path: [String], into found: inout [Bound]) {
            let schema = resolve(schema)
            if let b = bound(schema, operation: operation, location: .body, path: path) { found.append(b) }
            if let properties = schema["properties"] as? [String: Any] {
                for (name, property) in properties.sorted(by: { $0.key < $1.key }) {
                    if let property = property as? [String: Any] { walk(property, operation: operation, path: path + [name], into: &found) }
                }
            }
            if let items = schema["items"] as? [String: Any] { walk(items, operation: operation, path: path + ["[]"], into: &found) }
        }

        var found: [Bound] = []
        let paths = try #require(document["paths"] as? [String: Any])
        for (path, methods) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, operation) in ((methods as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let operation = operation as? [String: Any] else { continue }
                let name = "\(method.uppercased()) \(path)"
                for parameter in (operation["parameters"] as? [[String: Any]]) ?? [] {
                    guard let location = (parameter["in"] as? String).flatMap(Bound.Location.init(rawValue:)),
                        let field = parameter["name"] as? String, let schema = parameter["schema"] as? [String: Any],
                        let b = bound(resolve(schema), operation: name, location: location, path: [field])
                    else { continue }
                    found.append(b)
                }
                let body = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"]
                if let schema = (body as? [String: Any])?["schema"] as? [String: Any] {
                    walk(schema, operation: name, path: [], into: &found)
                }
            }
        }
        return found
    }
}

/// A valid request for each operation the test knows, and how to send it with one value changed.
struct Requests {
    struct Base {
        var method: HTTPMethod
        /// Made for each request where a request uses its target up (a deleted menu, a moved order).
        var path: @Sendable () async throws -> String
        var body: [String: Any]
        /// Who sends it; nil for the logins. Recomputed for each request where a request changes the account.
        var token: @Sendable () async throws -> String?
        /// The statuses that mean "passed validation" (a login with an unknown name is 401, not 400).
        var accepted: Set<Int>
        /// A stream: only its response head is read.
        var isStream = false
        /// Elements for an array bound at a body path (`items.[].options`), where copies of one element would
        /// be refused for another reason (an option chosen twice).
        var elements: [String: [Any]] = [:]
    }

    let cluster: Cluster
    let store: SeededStore
    let admin: String
    let table: String
    let menuID: String
    let categoryID: String
    /// A menu with 200 options (10 groups of 20, any number of each): a line can choose them all.
    let optionsMenuID: String
    let optionIDs: [String]

    /// A group as the menu probes send it: the nested bounds are probed in it.
    static var group: [String: Any] {
        ["name": "Size", "min_select": 0, "max_select": 1, "sort_order": 0, "options": [["name": "Small", "price_delta": 0]]]
    }

    /// The call types fresh calls take in turn: one not asked for before is always a new, open call.
    let callTypes = CallTypes()
    final class CallTypes: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        func take() -> String {
            lock.lock()
            defer { lock.unlock() }
            next += 1
            return ["water", "bill", "assistance", "utensils", "other"][(next - 1) % 5]
        }
    }

    init(cluster: Cluster) async throws {
        self.cluster = cluster
        store = try await cluster.seedStore()
        admin = try await cluster.adminToken(store)
        // Table 3: the probes of `POST /api/admin/tables` reset the passwords (and end the tokens) of tables
        // 1 (`table_number` at its minimum) and 2 (the base body's).
        table = try await cluster.tableToken(store, table: 3)
        let menu = try await cluster.http().get("/api/stores/\(store.storeID)/menus").json
        menuID = try #require((menu["menus"] as? [[String: Any]])?.first?["id"] as? String)
        categoryID = try #require((menu["categories"] as? [[String: Any]])?.first?["id"] as? String)
        let groups = (0..<10).map { group -> [String: Any] in
            [
                "name": "Group \(group)", "min_select": 0, "max_select": 20,
                "options": (0..<20).map { ["name": "Option \($0)", "price_delta": 0] },
            ]
        }
        let created = try await cluster.http().post(
            "/api/admin/menus", token: admin,
            json: ["category_id": categoryID, "name": "Everything", "price": 1000, "option_groups": groups])
        optionsMenuID = try #require(created.json["id"] as? String, "\(created.status) \(created.text)")
        let optionsMenuID = self.optionsMenuID, store = self.store
        let listed = try await Cluster.eventually("the menu of 200 options listed") {
            try await cluster.menus(store).first { $0["id"] as? String == optionsMenuID }
        }
        optionIDs = ((listed["option_groups"] as? [[String: Any]]) ?? []).flatMap { group in
            ((group["options"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        }
        #expect(optionIDs.count == 200)
    }

    func base(for operation: String) -> Base? {
        let admin = self.admin, table = self.table, cluster = self.cluster, store = self.store
        let asAdmin: @Sendable () async throws -> String? = { admin }
        switch operation {
        case "POST /api/auth/admin/login":
            return Base(
                method: .POST, path: { "/api/auth/admin/login" },
                body: ["store_id": store.storeID, "username": "admin", "password": store.adminPassword],
                token: { nil }, accepted: [200, 401])
        case "POST /api/auth/table/login":
            return Base(
                method: .POST, path: { "/api/auth/table/login" },
                body: ["store_id": store.storeID, "table_number": 1, "password": store.tablePassword],
                token: { nil }, accepted: [200, 401])
        case "PUT /api/admin/password":
            // An accepted change ends the admin's tokens: each request is made by the admin of a new store.
            return Base(
                method: .PUT, path: { "/api/admin/password" },
                body: ["current_password": store.adminPassword, "new_password": "a-new-password"],
                token: { try await cluster.adminToken(try await cluster.seedStore()) }, accepted: [202])
        case "POST /api/admin/categories":
            return Base(method: .POST, path: { "/api/admin/categories" }, body: ["name": "Drinks", "sort_order": 1], token: asAdmin, accepted: [202])
        case "PUT /api/admin/categories/{category_id}":
            return Base(
                method: .PUT, path: { "/api/admin/categories/\(categoryID)" }, body: ["name": "Mains", "sort_order": 1],
                token: asAdmin, accepted: [202])
        case "POST /api/admin/menus":
            return Base(
                method: .POST, path: { "/api/admin/menus" },
                body: [
                    "category_id": categoryID, "name": "Tea", "price": 3000, "description": "", "image_url": "", "sort_order": 0,
                    "option_groups": [Self.group],
                ],
                token: asAdmin, accepted: [202])
        case "PUT /api/admin/menus/{menu_id}":
            return Base(
                method: .PUT, path: { "/api/admin/menus/\(menuID)" }, body: ["price": 3000, "option_groups": [Self.group]],
                token: asAdmin, accepted: [202])
        case "PATCH /api/admin/menus/{menu_id}/availability":
            return Base(
                method: .PATCH, path: { "/api/admin/menus/\(menuID)/availability" }, body: ["stock": 5], token: asAdmin,
                accepted: [202])
        case "POST /api/orders":
            return Base(
                method: .POST, path: { "/api/orders" },
                body: ["items": [["menu_id": optionsMenuID, "quantity": 1, "options": [optionIDs[0]]]], "note": ""],
                token: { table }, accepted: [202],
                elements: ["items.[].options": optionIDs + [UUID().uuidString.lowercased()]])
        case "POST /api/admin/orders/{order_id}/items/{item_id}/cancel":
            // A fresh order of 99 portions for each request: a cancel of up to 99 of them is valid.
            return Base(
                method: .POST,
                path: {
                    let id = try await self.freshOrder(quantity: 99)
                    let order = try await cluster.http().get("/api/orders/\(id)", token: table).json
                    let item = try #require((order["items"] as? [[String: Any]])?.first?["item_id"] as? String)
                    return "/api/admin/orders/\(id)/items/\(item)/cancel"
                }, body: ["quantity": 1], token: asAdmin, accepted: [202])
        case "PATCH /api/admin/calls/{call_id}":
            return Base(
                method: .PATCH, path: { "/api/admin/calls/\(try await self.freshCall())" }, body: ["status": "resolved"],
                token: asAdmin, accepted: [202])
        case "DELETE /api/admin/categories/{category_id}":
            return Base(
                method: .DELETE, path: { "/api/admin/categories/\(try await self.freshCategory())" }, body: [:],
                token: asAdmin, accepted: [202])
        case "PUT /api/admin/store":
            return Base(method: .PUT, path: { "/api/admin/store" }, body: ["name": "Store"], token: asAdmin, accepted: [202])
        case "POST /api/table/calls":
            return Base(
                method: .POST, path: { "/api/table/calls" }, body: ["type": "water", "note": ""], token: { table },
                accepted: [202])
        case "GET /api/table/stream":
            return Base(method: .GET, path: { "/api/table/stream" }, body: [:], token: { table }, accepted: [200], isStream: true)
        case "POST /api/admin/tables":
            return Base(
                method: .POST, path: { "/api/admin/tables" }, body: ["table_number": 2, "password": "table-pass"], token: asAdmin,
                accepted: [202])
        case "DELETE /api/admin/menus/{menu_id}":
            return Base(
                method: .DELETE, path: { "/api/admin/menus/\(try await self.freshMenu())" }, body: [:], token: asAdmin,
                accepted: [202])
        case "PATCH /api/admin/orders/{order_id}/status":
            return Base(
                method: .PATCH, path: { "/api/admin/orders/\(try await self.freshOrder())/status" },
                body: ["status": "preparing"], token: asAdmin, accepted: [202])
        case "DELETE /api/admin/orders/{order_id}":
            return Base(
                method: .DELETE, path: { "/api/admin/orders/\(try await self.freshOrder())" }, body: [:], token: asAdmin,
                accepted: [202])
        case "POST /api/admin/tables/{table_id}/complete":
            // An order opens the table's session; completing it ends that session.
            return Base(
                method: .POST,
                path: {
                    _ = try await self.freshOrder()
                    return "/api/admin/tables/\(try await self.tableID(3))/complete"
                }, body: [:], token: asAdmin, accepted: [202])
        case "GET /api/admin/orders/stream":
            return Base(method: .GET, path: { "/api/admin/orders/stream" }, body: [:], token: asAdmin, accepted: [200], isStream: true)
        default:
            return nil
        }
    }

    /// A new order of table 3, once it is stored.
    func freshOrder(quantity: Int = 1) async throws -> String {
        let id = try await cluster.placeOrder(store, token: table, quantity: quantity)
        _ = try await Cluster.eventually("order \(id) stored") {
            try await cluster.http().get("/api/orders/\(id)", token: table).status == 200 ? true : nil
        }
        return id
    }

    /// A new open call of table 3, once it is stored.
    func freshCall() async throws -> String {
        let created = try await cluster.http().post("/api/table/calls", token: table, json: ["type": callTypes.take()])
        let id = try #require(created.json["id"] as? String, "\(created.status) \(created.text)")
        let admin = self.admin, cluster = self.cluster
        _ = try await Cluster.eventually("call \(id) stored") {
            let calls = try await cluster.http().get("/api/admin/calls", token: admin).json["calls"] as? [[String: Any]]
            return calls?.contains { $0["call_id"] as? String == id } == true ? true : nil
        }
        return id
    }

    /// A new empty category, once it is listed.
    func freshCategory() async throws -> String {
        let created = try await cluster.http().post("/api/admin/categories", token: admin, json: ["name": "Soon gone"])
        let id = try #require(created.json["id"] as? String, "\(created.status) \(created.text)")
        let cluster = self.cluster, store = self.store
        _ = try await Cluster.eventually("category \(id) listed") {
            let categories = try await cluster.http().get("/api/stores/\(store.storeID)/menus").json["categories"] as? [[String: Any]]
            return categories?.contains { $0["id"] as? String == id } == true ? true : nil
        }
        return id
    }

    /// A new menu, once it is on the store's menu.
    func freshMenu() async throws -> String {
        let created = try await cluster.http().post(
            "/api/admin/menus", token: admin, json: ["category_id": categoryID, "name": "Soon gone", "price": 100])
        let id = try #require(created.json["id"] as? String, "\(created.status) \(created.text)")
        _ = try await Cluster.eventually("menu \(id) listed") {
            try await cluster.menus(store).contains { $0["id"] as? String == id } ? true : nil
        }
        return id
    }

    func tableID(_ number: Int) async throws -> String {
        let tables = try await cluster.http().get("/api/admin/tables", token: admin).json["tables"] as? [[String: Any]]
        return try #require(tables?.first { $0["table_number"] as? Int == number }?["table_id"] as? String)
    }

    /// `base` with the bound's field set to a value of `amount` (the integer, or a text or array that long).
    func send(_ base: Base, bound: DocumentedLimitsTests.Bound, amount: Int) async throws -> HTTPResult {
        var body = base.body
        var headers: [(String, String)] = []
        var path = try await base.path()
        switch bound.location {
        case .header:
            headers.append((bound.path[0], "\(Self.value(bound, amount, ascii: true))"))
        case .query:
            path += "?\(bound.path[0])=\(Self.value(bound, amount, ascii: true))"
        case .body:
            if bound.kind == .array, let elements = base.elements[bound.path.joined(separator: ".")] {
                body = Self.setting(body, path: bound.path[...], to: Array(elements.prefix(amount)))
            } else {
                body = Self.setting(body, path: bound.path[...], to: Self.value(bound, amount, ascii: false))
            }
        }
        let token = try await base.token()
        if base.isStream {
            var request = "\(base.method.rawValue) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            if let token { request += "Authorization: Bearer \(token)\r\n" }
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            let connection = try await RawConnection(port: cluster.apiPorts[0])
            defer { connection.close() }
            try await connection.send(request + "\r\n")
            let head = try await connection.readHead()
            let status = connection.status ?? 0
            // A refusal's body follows its head; a stream's first frame is not needed.
            let text = status == 200 ? head : await connection.read(until: { $0.contains("}}") }, timeout: .seconds(5))
            let json = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
            let jsonStart = json.firstIndex(of: "{").map { String(json[$0...]) } ?? ""
            return HTTPResult(status: status, headers: [:], body: Array(jsonStart.utf8))
        }
        return try await cluster.http().request(
            base.method, path, token: token, json: base.method == .DELETE ? nil : body, headers: headers)
    }

    /// A value of `amount`: the integer itself, a text of that many Unicode scalars (two UTF-8 bytes each
    /// in a body, so a limit counted in bytes would show), or that many copies of the array's element.
    static func value(_ bound: DocumentedLimitsTests.Bound, _ amount: Int, ascii: Bool) -> Any {
        switch bound.kind {
        case .integer: return amount
        case .text: return String(repeating: ascii ? "k" : "é", count: amount)
        case .array: return Copies(count: amount)
        }
    }

    /// An array bound's value: that many copies of the array's first element.
    struct Copies { var count: Int }

    /// `body` with the value at `path` replaced; through `[]`, in every element of the array there. An array
    /// bound copies the array's first element `amount` times.
    static func setting(_ body: [String: Any], path: ArraySlice<String>, to value: Any) -> [String: Any] {
        guard let key = path.first else { return body }
        var body = body
        let rest = path.dropFirst()
        if rest.isEmpty {
            if let copies = value as? Copies {
                let first = (body[key] as? [Any])?.first ?? "element"
                body[key] = Array(repeating: first, count: copies.count)
            } else {
                body[key] = value
            }
        } else if rest.first == "[]", let elements = body[key] as? [[String: Any]] {
            body[key] = elements.map { setting($0, path: rest.dropFirst(), to: value) }
        } else {
            body[key] = setting(body[key] as? [String: Any] ?? [:], path: rest, to: value)
        }
        return body
    }
}
