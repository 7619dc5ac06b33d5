import Foundation
import NIOHTTP1
import PostgresNIO
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// Errors in the contract's shape, on the real processes.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct ContractErrorTests {
    @Test(arguments: Mode.allCases)
    func authenticationAndValidationErrors(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let http = cluster.http()

        let wrongPassword = try await http.post(
            "/api/auth/admin/login", json: ["store_id": store.storeID, "username": "admin", "password": "nope"])
        #expect(wrongPassword.status == 401)
        #expect(wrongPassword.errorCode == "INVALID_CREDENTIALS")
        #expect(wrongPassword.headers.first(name: "Content-Type") == "application/json")
        let unknownTable = try await http.post(
            "/api/auth/table/login", json: ["store_id": store.storeID, "table_number": 99, "password": "x"])
        #expect(unknownTable.errorCode == "INVALID_CREDENTIALS")
        let badStore = try await http.post(
            "/api/auth/admin/login", json: ["store_id": "Bad Store", "username": "admin", "password": "x"])
        #expect(badStore.status == 400)
        #expect(badStore.errorCode == "VALIDATION_ERROR")

        let noToken = try await http.get("/api/admin/orders")
        #expect(noToken.status == 401)
        #expect(noToken.errorCode == "UNAUTHORIZED")
        let garbage = try await http.get("/api/admin/orders", token: "not.a.jwt")
        #expect(garbage.errorCode == "UNAUTHORIZED")

        let table = try await cluster.tableToken(store)
        let admin = try await cluster.adminToken(store)
        let wrongRole = try await http.get("/api/admin/orders", token: table)
        #expect(wrongRole.status == 403)
        #expect(wrongRole.errorCode == "FORBIDDEN")
        let adminPosting = try await http.post("/api/orders", token: admin, json: ["items": []])
        #expect(adminPosting.status == 403)
        let streamAsTable = try await http.get("/api/admin/orders/stream", token: table)
        #expect(streamAsTable.status == 403)

        let menu = try await cluster.menus(store)
        let menuID = menu[0]["id"]!
        let cases: [([String: Any], String)] = [
            (["items": []], "items"),
            (["items": [["menu_id": menuID, "quantity": 0]]], "items[0].quantity"),
            (["items": [["menu_id": menuID, "quantity": 100]]], "items[0].quantity"),
            (["items": [["menu_id": menuID, "quantity": "3"]]], "items[0].quantity"),
            (["items": [["menu_id": menuID, "quantity": true]]], "items[0].quantity"),
            (["items": [["menu_id": menuID, "quantity": 10.5]]], "items[0].quantity"),
            (["items": [["menu_id": menuID]]], "items[0].quantity"),
            (["items": [["menu_id": UUID().uuidString, "quantity": 1]]], "items[0].menu_id"),
            (["items": [["menu_id": "not-a-uuid", "quantity": 1]]], "items[0].menu_id"),
            ([:], "items"),
        ]
        for (body, field) in cases {
            let result = try await http.post("/api/orders", token: table, json: body)
            #expect(result.status == 400, "\(body)")
            #expect(result.errorCode == "VALIDATION_ERROR")
            let message = (result.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.hasPrefix(field), "\(message) should name \(field)")
        }
        let fiftyOne = Array(repeating: ["menu_id": menuID, "quantity": 1] as [String: Any], count: 51)
        #expect(try await http.post("/api/orders", token: table, json: ["items": fiftyOne]).status == 400)

        let wrongType = try await http.request(
            .POST, "/api/orders", token: table, rawBody: Array("{}".utf8), contentType: "text/plain")
        #expect(wrongType.status == 415)
        #expect(wrongType.errorCode == "UNSUPPORTED_MEDIA_TYPE")
        let big = try await http.request(
            .POST, "/api/orders", token: table, rawBody: Array(repeating: UInt8(ascii: " "), count: 70_000) + Array("{}".utf8))
        #expect(big.status == 413)
        #expect(big.errorCode == "PAYLOAD_TOO_LARGE")
        let notJSON = try await http.request(.POST, "/api/orders", token: table, rawBody: Array("{\"items\":".utf8))
        #expect(notJSON.status == 400)
        let badKey = try await http.post(
            "/api/orders", token: table, json: ["items": [["menu_id": menuID, "quantity": 1]]],
            headers: [("Idempotency-Key", String(repeating: "k", count: 129))])
        #expect(badKey.status == 400)

        let unknownStore = try await http.get("/api/stores/no-such-store/menus")
        #expect(unknownStore.status == 404)
        #expect(unknownStore.errorCode == "NOT_FOUND")
        let unknownRoute = try await http.get("/api/nothing-here")
        #expect(unknownRoute.status == 404)
        #expect(unknownRoute.errorCode == "NOT_FOUND")
        let unknownOrder = try await http.get("/api/orders/\(UUID().uuidString)", token: table)
        #expect(unknownOrder.status == 404)
        let badStatus = try await http.get("/api/admin/orders?status=eaten", token: admin)
        #expect(badStatus.status == 400)

        // Nothing that was refused was persisted: once an order sent after them is stored, it is the only one.
        try await cluster.barrier(store, token: table)
        #expect(try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]) == 1)
    }
}
