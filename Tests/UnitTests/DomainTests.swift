import Foundation
@testable import TableOrderAPI
@testable import TableOrderCore
@testable import TableOrderStorage
import Testing

@Suite struct DomainTests {
    @Test(arguments: [
        (OrderStatus.pending, OrderStatus.preparing, true), (.preparing, .completed, true),
        (.pending, .cancelled, true), (.preparing, .cancelled, true), (.pending, .completed, false),
        (.pending, .pending, false), (.completed, .cancelled, false), (.cancelled, .pending, false),
        (.completed, .preparing, false), (.preparing, .pending, false),
    ])
    func statusFlow(from: OrderStatus, to: OrderStatus, allowed: Bool) {
        #expect(from.canMove(to: to) == allowed)
    }

    @Test func storeIDs() {
        for valid in ["a", "demo", "store-1", "0abc", String(repeating: "a", count: 32)] { #expect(StoreID.isValid(valid)) }
        for invalid in ["", "-a", "A", "a_b", "a b", String(repeating: "a", count: 33), "ä", "a/b"] {
            #expect(!StoreID.isValid(invalid), "\(invalid)")
        }
    }

    @Test func deterministicIDsAreStableAndDistinct() {
        #expect(DeterministicID.make("order", "s", "t", "k") == DeterministicID.make("order", "s", "t", "k"))
        #expect(DeterministicID.make("order", "s", "t", "k") != DeterministicID.make("order", "s", "t2", "k"))
        // Parts are length-prefixed, so shifting a boundary changes the id.
        #expect(DeterministicID.make("ab", "c") != DeterministicID.make("a", "bc"))
        let text = DeterministicID.make("x").uuidString
        #expect(text.count == 36)
    }

    @Test func passwordsAreSaltedSlowHashes() throws {
        let fast = PasswordHasher.Parameters(rounds: 1 << 10, blockSize: 8, parallelism: 1)
        let a = try PasswordHasher.hash("secret", parameters: fast)
        let b = try PasswordHasher.hash("secret", parameters: fast)
        #expect(a != b)
        #expect(a.hasPrefix("scrypt$1024$8$1$"))
        #expect(PasswordHasher.verify("secret", against: a))
        #expect(!PasswordHasher.verify("Secret", against: a))
        #expect(!PasswordHasher.verify("secret", against: "plain"))
        #expect(!PasswordHasher.verify("secret", against: ""))
    }

    @Test func seedPlanKeepsIDsAcrossRuns() throws {
        let a = try SeedPlan(
            storeID: "s1", storeName: "S", adminUsername: "admin", adminPassword: "pass1", tableCount: 2,
            tablePassword: "pass2", demoMenu: true)
        let b = try SeedPlan(
            storeID: "s1", storeName: "Other", adminUsername: "admin", adminPassword: "pass9", tableCount: 2,
            tablePassword: "pass8", demoMenu: true)
        #expect(a.admin.id == b.admin.id)
        #expect(a.tables.map(\.id) == b.tables.map(\.id))
        #expect(a.menus.map(\.id) == b.menus.map(\.id))
        #expect(a.categories.count >= 3 && a.menus.count >= 8)
        #expect(throws: ConfigurationError.self) {
            try SeedPlan(
                storeID: "Bad", storeName: "S", adminUsername: "a", adminPassword: "pass1", tableCount: 1,
                tablePassword: "pass2", demoMenu: false)
        }
    }
}

@Suite struct ValidationTests {
    let menu = StoreMenu(
        storeID: "s",
        categories: [MenuCategory(id: "c", name: "C", sortOrder: 0)],
        menus: [
            MenuItem(
                id: "11111111-1111-1111-1111-111111111111", categoryID: "c", name: "A", price: 1000, description: nil,
                imageURL: nil, isAvailable: true, sortOrder: 0),
            MenuItem(
                id: "22222222-2222-2222-2222-222222222222", categoryID: "c", name: "B", price: 500, description: nil,
                imageURL: nil, isAvailable: false, sortOrder: 1),
        ])

    func decode(_ json: String) throws -> OrderRequest {
        try JSON.decode(OrderRequest.self, from: Array(json.utf8))
    }

    func message(_ json: String) -> String {
        do {
            _ = try decode(json).validate(against: menu)
            return "accepted"
        } catch let error as ServiceError {
            return error.message
        } catch let error as DecodingError {
            return error.fieldMessage
        } catch {
            return "\(error)"
        }
    }

    @Test func acceptsAValidOrder() throws {
        let lines = try decode(#"{"items":[{"menu_id":"11111111-1111-1111-1111-111111111111","quantity":2}],"x":1}"#)
            .validate(against: menu)
        #expect(lines == [CreateOrder.Line(menuID: "11111111-1111-1111-1111-111111111111", quantity: 2)])
    }

    @Test(arguments: [
        (#"{"items":[]}"#, "items"),
        (#"{}"#, "items: is required"),
        (#"{"items":[{"menu_id":"11111111-1111-1111-1111-111111111111","quantity":0}]}"#, "items[0].quantity"),
        (#"{"items":[{"menu_id":"11111111-1111-1111-1111-111111111111","quantity":100}]}"#, "items[0].quantity"),
        (#"{"items":[{"menu_id":"11111111-1111-1111-1111-111111111111","quantity":"3"}]}"#, "items[0].quantity: expected integer"),
        (#"{"items":[{"menu_id":"11111111-1111-1111-1111-111111111111","quantity":true}]}"#, "items[0].quantity: expected integer"),
        (#"{"items":[{"menu_id":"11111111-1111-1111-1111-111111111111","quantity":10.5}]}"#, "items[0].quantity: expected integer"),
        (#"{"items":[{"menu_id":"33333333-3333-3333-3333-333333333333","quantity":1}]}"#, "items[0].menu_id: no such menu"),
        (#"{"items":[{"menu_id":"22222222-2222-2222-2222-222222222222","quantity":1}]}"#, "items[0].menu_id: B is not available"),
        (#"{"items":[{"menu_id":"nope","quantity":1}]}"#, "items[0].menu_id: not a UUID"),
        (#"{"items":[{"menu_id":1,"quantity":1}]}"#, "items[0].menu_id: expected string"),
        (#"{"items":"#, "body: not valid JSON"),
    ])
    func refusesNamingTheField(json: String, expected: String) {
        #expect(message(json).hasPrefix(expected), "\(message(json))")
    }

    @Test func idempotencyKeys() {
        #expect(WriteIdentity.isValidKey("abc-123_XYZ"))
        #expect(WriteIdentity.isValidKey(String(repeating: "k", count: 128)))
        #expect(!WriteIdentity.isValidKey(""))
        #expect(!WriteIdentity.isValidKey(String(repeating: "k", count: 129)))
        #expect(!WriteIdentity.isValidKey("has space"))
        #expect(!WriteIdentity.isValidKey("한글"))
    }

    @Test func jsonMediaTypesAreRecognisedWhateverTheCaseSpacesAndParameters() {
        #expect(RequestBodyReader.isJSON(contentType: "application/json"))
        #expect(RequestBodyReader.isJSON(contentType: "Application/JSON; charset=utf-8"))
        #expect(RequestBodyReader.isJSON(contentType: " \tapplication/json ;charset=utf-8"))
        #expect(!RequestBodyReader.isJSON(contentType: ""))
        #expect(!RequestBodyReader.isJSON(contentType: "text/plain"))
        #expect(!RequestBodyReader.isJSON(contentType: "application/json-patch+json"))
        #expect(!RequestBodyReader.isJSON(contentType: "application/jsonx"))
        #expect(!RequestBodyReader.isJSON(contentType: "application/ json"))
    }

    @Test func nulEscapesAreFound() {
        #expect(RequestBodyReader.containsNULEscape(Array(#"{"a":"x\u0000"}"#.utf8)))
        #expect(RequestBodyReader.containsNULEscape(Array(#"{"\u0000":1}"#.utf8)))
        #expect(RequestBodyReader.containsNULEscape(Array(#"{"a":"\\\u0000"}"#.utf8)))
        #expect(!RequestBodyReader.containsNULEscape(Array(#"{"a":"\\u0000"}"#.utf8)), "an escaped backslash, then text")
        #expect(RequestBodyReader.containsNULEscape(Array(#"{"a":"\u00001"}"#.utf8)), "U+0000 then the digit 1")
        #expect(!RequestBodyReader.containsNULEscape(Array(#"{"a":"u0000"}"#.utf8)))
    }

    @Test func fingerprintsDependOnEveryLineAndTheNote() {
        let a = [CreateOrder.Line(menuID: "m", quantity: 1)]
        let b = [CreateOrder.Line(menuID: "m", quantity: 2)]
        #expect(OrderRequest.fingerprint(lines: a, note: nil) == OrderRequest.fingerprint(lines: a, note: nil))
        #expect(OrderRequest.fingerprint(lines: a, note: nil) != OrderRequest.fingerprint(lines: b, note: nil))
        #expect(OrderRequest.fingerprint(lines: a, note: nil) != OrderRequest.fingerprint(lines: a, note: "x"))
    }
}
