import Foundation
import NIOHTTP1
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// Bad and hostile input: refused in the contract's shape, stored verbatim when it is only text,
/// never a crash, never another store's data.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct HostileInputTests {
    static let injections = [
        "'; DROP TABLE orders; --", "Robert'); DELETE FROM menus;--", "\" OR 1=1 --", "$1::text", "\\x00\\'",
        "한글 메뉴 🍜", "<script>alert(1)</script>",
    ]

    @Test(arguments: Mode.allCases)
    func injectionStringsAreStoredVerbatimAndHarmless(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        let http = cluster.http()
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        let categoryID = try #require(
            (try await http.get("/api/stores/\(store.storeID)/menus").json["categories"] as? [[String: Any]])?.first?["id"] as? String)
        for (index, text) in Self.injections.enumerated() {
            let menu = try await http.post(
                "/api/admin/menus", token: admin,
                json: ["category_id": categoryID, "name": text, "price": 100 + index, "description": text, "image_url": text])
            #expect(menu.status == 202)
            let menuID = try #require(menu.json["id"] as? String)
            await stream.waitFor { $0.contains { $0.json["menu_id"] as? String == menuID } }
            let order = try await http.post("/api/orders", token: table, json: ["items": [["menu_id": menuID, "quantity": 1]], "note": text])
            let orderID = try #require(order.json["order_id"] as? String)
            let stored = try await Cluster.eventually("order \(index)") {
                let r = try await http.get("/api/orders/\(orderID)", token: table)
                return r.status == 200 ? r.json : nil
            }
            #expect(stored["note"] as? String == text)
            #expect((stored["items"] as? [[String: Any]])?.first?["name"] as? String == text)
        }
        let listing = try await cluster.menus(store)
        for text in Self.injections { #expect(listing.contains { $0["name"] as? String == text && $0["description"] as? String == text }) }
        #expect(try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]) == Self.injections.count)
        #expect(listing.count == 10 + Self.injections.count, "no menu was deleted")
        for text in Self.injections {
            let login = try await http.post("/api/auth/admin/login", json: ["store_id": store.storeID, "username": text, "password": text])
            #expect(login.status == 401)
        }
    }

    @Test(arguments: Mode.allCases)
    func malformedBodiesAreRefusedAndTheAPIStaysUp(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let table = try await cluster.tableToken(store)
        let http = cluster.http()
        let menuID = try await cluster.menus(store)[0]["id"] as! String
        let deep = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        let bodies: [(String, [UInt8])] = [
            ("deep nesting", Array(#"{"items":\#(deep)}"#.utf8)),
            ("huge number", Array(#"{"items":[{"menu_id":"\#(menuID)","quantity":1e400}]}"#.utf8)),
            ("huge integer", Array(#"{"items":[{"menu_id":"\#(menuID)","quantity":99999999999999999999999999}]}"#.utf8)),
            ("negative", Array(#"{"items":[{"menu_id":"\#(menuID)","quantity":-1}]}"#.utf8)),
            ("invalid UTF-8", Array(#"{"items":[{"menu_id":""#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#"","quantity":1}]}"#.utf8)),
            ("not an object", Array("[1,2,3]".utf8)),
            ("empty", []),
            ("null", Array("null".utf8)),
            ("NUL in text", Array(#"{"items":[{"menu_id":"\#(menuID)","quantity":1}],"note":"a\u0000b"}"#.utf8)),
        ]
        for (name, body) in bodies {
            let result = try await http.request(.POST, "/api/orders", token: table, rawBody: body)
            #expect(result.status == 400, "\(name): \(result.status) \(result.text)")
            #expect(result.errorCode == "VALIDATION_ERROR", "\(name)")
        }
        // A flood of headers is refused (or the connection closed), and the API still answers.
        let flood = (0..<2000).map { ("X-Flood-\($0)", String(repeating: "v", count: 40)) }
        let flooded = try? await http.request(.GET, "/api/table/orders", token: table, headers: flood)
        #expect(flooded.map { $0.status >= 400 } ?? true)
        let long = try? await http.request(.GET, "/api/table/orders", token: table, headers: [("X-Long", String(repeating: "x", count: 200_000))])
        #expect(long.map { $0.status >= 400 } ?? true)
        #expect(try await http.get("/healthz").status == 200)
        #expect(try await http.get("/api/table/orders", token: table).status == 200)
        // None of them was queued: once an order sent after them is stored, it is the only one.
        try await cluster.barrier(store, token: table)
        #expect(try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]) == 1)
    }

    @Test(arguments: Mode.allCases)
    func noCrossStoreAccess(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let storeA = try await cluster.seedStore()
        let storeB = try await cluster.seedStore()
        let tableA = try await cluster.tableToken(storeA)
        let adminB = try await cluster.adminToken(storeB)
        let tableB = try await cluster.tableToken(storeB)
        let http = cluster.http()
        let orderA = try await cluster.placeOrder(storeA, token: tableA)
        _ = try await Cluster.eventually("A's order") {
            try await http.get("/api/orders/\(orderA)", token: tableA).status == 200 ? true : nil
        }
        let tablesA = try await http.get("/api/admin/tables", token: try await cluster.adminToken(storeA)).json["tables"] as? [[String: Any]]
        let tableAID = try #require(tablesA?.first?["table_id"] as? String)
        let menuA = try await cluster.menus(storeA)[0]["id"] as! String
        let attempts: [(String, HTTPResult)] = [
            ("read by B's table", try await http.get("/api/orders/\(orderA)", token: tableB)),
            ("read by B's admin", try await http.get("/api/orders/\(orderA)", token: adminB)),
            ("move by B", try await http.request(.PATCH, "/api/admin/orders/\(orderA)/status", token: adminB, json: ["status": "preparing"])),
            ("delete by B", try await http.request(.DELETE, "/api/admin/orders/\(orderA)", token: adminB)),
            ("complete A's table by B", try await http.post("/api/admin/tables/\(tableAID)/complete", token: adminB, json: [:])),
            ("A's history by B", try await http.get("/api/admin/tables/\(tableAID)/history", token: adminB)),
            ("change A's menu by B", try await http.request(.PUT, "/api/admin/menus/\(menuA)", token: adminB, json: ["price": 1])),
            ("order A's menu from B", try await http.post("/api/orders", token: tableB, json: ["items": [["menu_id": menuA, "quantity": 1]]])),
        ]
        for (name, result) in attempts {
            #expect([400, 403, 404].contains(result.status), "\(name): \(result.status)")
        }
        let snapshotB = try await http.get("/api/admin/orders", token: adminB).json["tables"] as? [Any]
        #expect(snapshotB?.isEmpty == true)
        try await cluster.barrier(storeA, token: tableA)
        let stored = try await http.get("/api/orders/\(orderA)", token: tableA).json
        #expect(stored["status"] as? String == "pending" && stored["deleted_at"] is NSNull)
        #expect(try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(storeB.storeID)]) == 0)
    }
}

/// A client that trickles its request head byte by byte is cut off; others are served meanwhile.
@Suite(.enabled(if: try TestEnvironment.requires(.executables), "needs the built executables"))
struct SlowClientTests {
    @Test func aTricklingClientIsDisconnected() async throws {
        let cluster = try await Cluster.start(.development, environment: ["HTTP_HEADER_TIMEOUT_SECONDS": "2"])
        defer { cluster.stop() }
        let port = UInt16(cluster.apiPorts[0])
        let start = ContinuousClock.now
        let closedAfter = try await Task.detached { () -> Duration? in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw TestFailure("cannot connect") }
            var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let head = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 200)
            let begin = ContinuousClock.now
            for byte in head {
                var b = byte
                if send(fd, &b, 1, Int32(MSG_NOSIGNAL)) < 0 { return begin.duration(to: .now) }
                var buffer = [UInt8](repeating: 0, count: 64)
                if recv(fd, &buffer, 64, 0) == 0 { return begin.duration(to: .now) }  // closed by the server
            }
            return nil
        }.value
        let elapsed = try #require(closedAfter, "the server never closed the trickling connection")
        print("slow client: disconnected after \(elapsed) (limit 2 s)")
        #expect(elapsed < .seconds(10))
        #expect(start.duration(to: .now) < .seconds(30))
        // Still serving. (A pooled keep-alive connection idle for the same 2 s is closed by the server
        // too, possibly just as the client reuses it: that one attempt may fail, the next must not.)
        _ = try await Cluster.eventually(timeout: .seconds(5), "the API serving after the slow client") {
            try? await cluster.http().get("/healthz").status == 200 ? true : nil
        }
    }
}
