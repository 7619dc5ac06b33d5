import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
@testable import TableOrderCore
import TableOrderStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The hardening of contract v1.1 on the real processes: what a hostile or careless client can no longer
/// do (crash a pod with a `Last-Event-ID`, store 600 accents as one character, hold every stream, pin a
/// stream's buffers by not reading, spread login guesses over forged addresses), and what an operator no
/// longer leaks (`/readyz` bodies, development mode's file modes).
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct HardeningTests {
    // MARK: 1. Last-Event-ID (v1.1 §8)

    /// Values a client may send that are not a decimal 0..2^53−1: each is 400 `VALIDATION_ERROR`, never a
    /// crash. `Int64.max` used to trap (SIGILL) on `id + 1`.
    static let invalidEventIDs = ["9223372036854775807", "9007199254740992", "-1", "+5", "0x10", "1e3", "5.0", "99999999999999999999"]

    @Test(arguments: Mode.allCases)
    func lastEventIDMustBeASmallDecimal(mode: Mode) async throws {
        // Several streams of one admin open here one after the other; each is dropped once seen.
        let cluster = try await Cluster.start(mode, environment: ["SSE_MAX_STREAMS_PER_USER": "50"])
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let http = cluster.http()
        // One event in the store, so "above the newest" is above something.
        let menuID = try #require(try await cluster.menus(store).first?["id"] as? String)
        #expect(try await http.request(.PUT, "/api/admin/menus/\(menuID)", token: admin, json: ["price": 4321]).status == 202)
        _ = try await Cluster.eventually("the menu event in the log") {
            try await cluster.count("SELECT count(*) FROM events WHERE store_id = ?", [.text(store.storeID)]) >= 1 ? true : nil
        }

        // The header (as sent: a leading space would be stripped as HTTP whitespace), and the query; then
        // what only the query can carry: spaces (a header's are trimmed by HTTP itself), other digits.
        var attempts: [(name: String, headers: [(String, String)], query: String)] = []
        for value in Self.invalidEventIDs {
            attempts.append(("Last-Event-ID: \(value)", [("Last-Event-ID", value)], ""))
            attempts.append(("?last_event_id=\(value)", [], "?last_event_id=" + Self.percentEncoded(value)))
        }
        for value in [" 5", "5 ", "5 5", "+0", "٣"] {
            attempts.append(("?last_event_id=\(value)", [], "?last_event_id=" + Self.percentEncoded(value)))
        }
        for (name, headers, query) in attempts {
            let answer = try? await Self.attemptStream(cluster.baseURL(), token: admin, headers: headers, query: query)
            Self.expectValidationError(answer, name)
            guard answer != nil, let health = try? await http.get("/healthz"), health.status == 200 else {
                // One record, not a wait for each request's deadline on a dead port.
                let log = String(cluster.apis[0].output.suffix(2000))
                Issue.record("the API stopped answering after \(name) (process running: \(cluster.apis[0].isRunning)):\n\(log)")
                return
            }
        }
        #expect(cluster.apis[0].isRunning, "the API process is alive:\n\(cluster.apis[0].output.suffix(2000))")

        // Empty is absent (what EventSource sends before it saw an id): a live stream.
        for (name, headers, query) in [("empty header", [("Last-Event-ID", "")], ""), ("empty query", [], "?last_event_id=")] {
            let empty = try await Self.attemptStream(cluster.baseURL(), token: admin, headers: headers, query: query) {
                $0.contains("retry: 3000\n\n")
            }
            #expect(empty.status == 200, "\(name): \(empty.status) \(empty.body)")
            #expect(empty.body.hasPrefix("retry: 3000\n\n"), "\(name)")
        }

        // The largest allowed id is far above the store's newest: the stream starts with replay_truncated.
        for (name, headers, query) in [
            ("header", [("Last-Event-ID", "9007199254740991")], ""), ("query", [], "?last_event_id=9007199254740991"),
        ] {
            let top = try await Self.attemptStream(cluster.baseURL(), token: admin, headers: headers, query: query) {
                Self.firstEvent(in: $0) != nil
            }
            #expect(top.status == 200, "\(name): \(top.status) \(top.body)")
            #expect(Self.firstEvent(in: top.body)?.event == "replay_truncated", "\(name): \(top.body.prefix(500))")
        }
        // A valid id still replays.
        let zero = try await Self.attemptStream(cluster.baseURL(), token: admin, headers: [("Last-Event-ID", "0")]) {
            Self.firstEvent(in: $0) != nil
        }
        #expect(zero.status == 200)
        #expect(Self.firstEvent(in: zero.body)?.id == "1", "\(zero.body.prefix(500))")
        #expect(try await http.get("/healthz").status == 200)
        #expect(cluster.apis[0].isRunning)
    }

    // MARK: 2. Text limits count Unicode scalars (v1.1 §2)

    /// `base` followed by `count − 1` combining acute accents: `count` scalars, one user-perceived character.
    static func accented(_ base: String, scalars count: Int) -> String {
        base + String(repeating: "\u{0301}", count: count - 1)
    }

    @Test(arguments: Mode.allCases)
    func textLimitsCountUnicodeScalars(mode: Mode) async throws {
        let cluster = try await Cluster.start(mode)
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        let http = cluster.http()
        let categories = try await http.get("/api/stores/\(store.storeID)/menus").json["categories"] as? [[String: Any]]
        let categoryID = try #require(categories?.first?["id"] as? String)
        let menuID = try #require(try await cluster.menus(store).first?["id"] as? String)

        // Names: 100 scalars is the limit.
        let longestName = Self.accented("m", scalars: 100)
        #expect(longestName.count == 1 && longestName.unicodeScalars.count == 100)
        let accepted = try await http.post(
            "/api/admin/menus", token: admin, json: ["category_id": categoryID, "name": longestName, "price": 1000])
        #expect(accepted.status == 202, "100 scalars: \(accepted.status) \(accepted.text)")
        for scalars in [101, 631] {
            let refused = try await http.post(
                "/api/admin/menus", token: admin,
                json: ["category_id": categoryID, "name": Self.accented("m", scalars: scalars), "price": 1000])
            Self.expectRefused(refused, naming: "name", "menu name of \(scalars) scalars")
        }
        let renamed = try await http.request(
            .PUT, "/api/admin/menus/\(menuID)", token: admin, json: ["name": Self.accented("m", scalars: 101)])
        Self.expectRefused(renamed, naming: "name", "renaming to 101 scalars")

        // Descriptions: 1000.
        let description = try await http.post(
            "/api/admin/menus", token: admin,
            json: ["category_id": categoryID, "name": "d", "price": 1000, "description": Self.accented("d", scalars: 1000)])
        #expect(description.status == 202, "description of 1000 scalars: \(description.status) \(description.text)")
        let longDescription = try await http.post(
            "/api/admin/menus", token: admin,
            json: ["category_id": categoryID, "name": "d", "price": 1000, "description": Self.accented("d", scalars: 1001)])
        Self.expectRefused(longDescription, naming: "description", "description of 1001 scalars")

        // Order notes: 500.
        let line = [["menu_id": menuID, "quantity": 1]]
        let note = try await http.post("/api/orders", token: table, json: ["items": line, "note": Self.accented("n", scalars: 500)])
        #expect(note.status == 202, "note of 500 scalars: \(note.status) \(note.text)")
        let plainNote = try await http.post("/api/orders", token: table, json: ["items": line, "note": String(repeating: "n", count: 500)])
        #expect(plainNote.status == 202, "note of 500 letters: \(plainNote.status) \(plainNote.text)")
        for scalars in [501, 2000] {
            let refused = try await http.post(
                "/api/orders", token: table, json: ["items": line, "note": Self.accented("n", scalars: scalars)])
            Self.expectRefused(refused, naming: "note", "note of \(scalars) scalars")
        }

        // What was accepted is stored as sent.
        let menuCreated = try #require(accepted.json["id"] as? String)
        let stored = try await Cluster.eventually("the 100-scalar menu stored") {
            try await cluster.menus(store).first { $0["id"] as? String == menuCreated }
        }
        #expect((stored["name"] as? String)?.unicodeScalars.count == 100)
    }

    // MARK: 3. Streams per user (SSE_MAX_STREAMS_PER_USER)

    @Test func streamsPerUserAreLimited() async throws {
        let cluster = try await Cluster.start(.production, workers: 0, environment: ["SSE_MAX_STREAMS_PER_USER": "2"])
        defer { cluster.stop() }
        let first = try await cluster.seedStore()
        let second = try await cluster.seedStore()
        let adminA = try await cluster.adminToken(first)
        let adminB = try await cluster.adminToken(second)
        let base = cluster.baseURL()

        // A's streams on raw sockets, so that closing one ends the connection at once (an HTTP client's
        // pool decides itself when a connection it no longer uses is closed).
        var streamsA: [RawConnection] = []
        defer { streamsA.forEach { $0.close() } }
        for _ in 0..<2 {
            let stream = try await RawConnection.openStream(port: cluster.apiPorts[0], token: adminA)
            streamsA.append(stream)
            #expect(stream.status == 200, "\(stream.text)")
        }
        let third = try await Self.attemptStream(base, token: adminA)
        #expect(third.status == 429, "a third stream of the same admin: \(third.status) \(third.body.prefix(300))")
        #expect(third.errorCode == "RATE_LIMIT_EXCEEDED")
        #expect(third.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
        let retry = try #require(third.headers.first(name: "Retry-After"), "429 without Retry-After")
        #expect(Int(retry).map { $0 >= 1 } == true, "Retry-After in whole seconds ≥ 1, got \(retry)")

        // Another user is not affected.
        let other = try await SSEClient.open(base, token: adminB)
        defer { other.close() }
        #expect(other.status == 200)
        _ = await other.waitFor(timeout: .seconds(5)) { _ in other.receivedComments.contains(": heartbeat") }
        #expect(other.receivedComments.contains(": heartbeat"), "the other admin's stream is live")

        // Closing one of A's streams frees its place.
        streamsA[0].close()
        let again = try await Cluster.eventually(timeout: .seconds(10), "a stream for A once one of its streams closed") {
            () -> RawConnection? in
            let stream = try await RawConnection.openStream(port: cluster.apiPorts[0], token: adminA)
            if stream.status == 200 { return stream }
            stream.close()
            return nil
        }
        streamsA.append(again)
        // And the limit still holds with it.
        #expect(try await Self.attemptStream(base, token: adminA).status == 429)
    }

    // MARK: 4. A client that stops reading is closed, during replay

    @Test func aClientThatStopsReadingDuringReplayIsClosed() async throws {
        let cluster = try await Cluster.start(.production, environment: ["RATE_LIMIT": "1000000"])
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 4)
        let admin = try await cluster.adminToken(store)
        let tokens = try await cluster.tableTokens(store, count: 4)
        let categories = try await cluster.http().get("/api/stores/\(store.storeID)/menus").json["categories"] as? [[String: Any]]
        let categoryID = try #require(categories?.first?["id"] as? String)
        // A menu whose name is as long as allowed in bytes: 100 scalars of 4 UTF-8 bytes.
        let created = try await cluster.http().post(
            "/api/admin/menus", token: admin,
            json: ["category_id": categoryID, "name": String(repeating: "🍜", count: 100), "price": 9000])
        let menuID = try #require(created.json["id"] as? String, "\(created.status) \(created.text)")
        _ = try await Cluster.eventually("the long-named menu") {
            try await cluster.menus(store).contains { $0["id"] as? String == menuID } ? true : nil
        }

        // Orders of 50 lines of it and a 500-scalar note: each event is some 25 KiB, the replay several
        // MiB: more than both ends' socket buffers hold (the server's send buffer grows to 4 MiB).
        let total = 300
        let body = Array(
            try JSONSerialization.data(withJSONObject: [
                "items": Array(repeating: ["menu_id": menuID, "quantity": 1], count: 50),
                "note": String(repeating: "🍜", count: 500),
            ] as [String: Any]))
        let base = cluster.baseURL()
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var accepted = 0
                    for index in stride(from: worker, to: total, by: 8) {
                        let result = try await TestHTTP(baseURL: base).request(
                            .POST, "/api/orders", token: tokens[index % tokens.count], rawBody: body)
                        if result.status == 202 { accepted += 1 }
                    }
                    return accepted
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(accepted == total)
        _ = try await Cluster.eventually(timeout: .seconds(120), "\(total) order events in the log") {
            try await cluster.count("SELECT count(*) FROM events WHERE store_id = ?", [.text(store.storeID)]) >= accepted
                ? true : nil
        }

        let size = try? await cluster.query(
            "SELECT sum(octet_length(data)) FROM events WHERE store_id = ?", [.text(store.storeID)]).first?.int(0)
        print("stalled replay: \(accepted) events, \(size.map(String.init) ?? "?") bytes of event data")
        // A client with a small receive buffer asks for the whole replay and never reads.
        let client = try await RawConnection(port: cluster.apiPorts[0], receiveBuffer: 4096)
        defer { client.close() }
        try await client.send(
            "GET /api/admin/orders/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(admin)\r\n"
                + "Last-Event-ID: 0\r\nAccept: text/event-stream\r\n\r\n")
        let metrics = cluster.http()
        _ = try await Cluster.eventually(timeout: .seconds(10), "the stream counted as open") {
            Self.metric(try await metrics.get("/metrics").text, "tableorder_sse_connections") == 1 ? true : nil
        }
        let opened = ContinuousClock.now
        // Two heartbeat intervals (SSE_HEARTBEAT_SECONDS=1) after the writes stopped, the server ends it (how
        // soon they stop depends on how fast the replay fills the buffers on a busy machine: a margin).
        let closedAfter = try await Cluster.eventually(timeout: .seconds(20), "the stalled stream closed by the server") {
            () -> Duration? in
            let text = try await metrics.get("/metrics").text
            let open = Self.metric(text, "tableorder_sse_connections") ?? -1
            let stalled = Self.metric(text, "tableorder_sse_stalled_closed_total") ?? 0
            return open == 0 && stalled >= 1 ? opened.duration(to: .now) : nil
        }
        print("stalled replay: closed \(closedAfter) after the stream was counted open")
        // What the client finds when it finally reads: part of the replay, then the end of the connection.
        let drained = await client.read(for: .seconds(20), keep: false)
        print("stalled replay: the client drained \(drained.bytes) bytes, closed: \(drained.closed)")
        #expect(drained.closed, "the connection is closed by the server")
        #expect(drained.bytes > 0)
        if let size { #expect(drained.bytes < size, "the replay was cut short") }
        #expect(try await cluster.http().get("/healthz").status == 200)
    }

    // MARK: 5. TRUSTED_PROXIES (v1.1 §1, §3)

    @Test(arguments: Mode.allCases)
    func loginLimitsPerAddressFollowOnlyTrustedProxies(mode: Mode) async throws {
        // LOGIN_RATE_LIMIT=2: 2 per account, 6 per address in a window. Each API its own limiter (a Redis
        // database of its own, emptied: the window outlives a run), so no other test's logins count.
        var trustedEnv = ["LOGIN_RATE_LIMIT": "2", "TRUSTED_PROXIES": "127.0.0.1/32"]
        var directEnv = ["LOGIN_RATE_LIMIT": "2"]
        if mode == .production {
            try await Self.flushRedis(database: 7)
            try await Self.flushRedis(database: 8)
            trustedEnv["REDIS_URL"] = TestEnvironment.redisURL(database: 7)
            directEnv["REDIS_URL"] = TestEnvironment.redisURL(database: 8)
        }
        async let trustedStart = Cluster.start(mode, workers: 0, environment: trustedEnv)
        async let directStart = Cluster.start(mode, workers: 0, environment: directEnv)
        let trusted = try await trustedStart
        defer { trusted.stop() }
        let direct = try await directStart
        defer { direct.stop() }
        let storeID = "t-xff-" + UUID().uuidString.prefix(8).lowercased()
        var attempt = 0
        func login(_ cluster: Cluster, forwardedFor: String?) async throws -> HTTPResult {
            attempt += 1  // a different account each time: the per-account limit never trips
            return try await cluster.http().post(
                "/api/auth/admin/login", json: ["store_id": storeID, "username": "nobody-\(attempt)", "password": "guess"],
                headers: forwardedFor.map { [("X-Forwarded-For", $0)] } ?? [])
        }

        // Behind a trusted proxy: the address is X-Forwarded-For's right-most untrusted entry.
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(try await login(trusted, forwardedFor: "203.0.113.7").status) }
        #expect(statuses == Array(repeating: 401, count: 6))
        let seventh = try await login(trusted, forwardedFor: "203.0.113.7")
        Self.expectRateLimited(seventh, "the 7th login from 203.0.113.7")
        let spoofed = try await login(trusted, forwardedFor: "198.51.100.1, 203.0.113.7")
        Self.expectRateLimited(spoofed, "a forged left-most entry before 203.0.113.7")
        let twoHeaders = try await trusted.http().post(
            "/api/auth/admin/login", json: ["store_id": storeID, "username": "nobody-x", "password": "guess"],
            headers: [("X-Forwarded-For", "198.51.100.2"), ("X-Forwarded-For", "203.0.113.7")])
        Self.expectRateLimited(twoHeaders, "two X-Forwarded-For headers ending in 203.0.113.7")
        let neighbour = try await login(trusted, forwardedFor: "203.0.113.8")
        #expect(neighbour.status == 401, "another client behind the proxy is not limited: \(neighbour.status) \(neighbour.text)")
        #expect(neighbour.errorCode == "INVALID_CREDENTIALS")
        let chained = try await login(trusted, forwardedFor: "203.0.113.7, 203.0.113.9")
        #expect(chained.status == 401, "the right-most entry counts (203.0.113.9): \(chained.status)")
        let proxyItself = try await login(trusted, forwardedFor: nil)
        #expect(proxyItself.status == 401, "the proxy's own address has its own window")

        // Without TRUSTED_PROXIES the header is ignored: everything is 127.0.0.1.
        statuses = []
        for index in 0..<6 { statuses.append(try await login(direct, forwardedFor: "203.0.113.\(20 + index)").status) }
        #expect(statuses == Array(repeating: 401, count: 6))
        for forwarded in ["203.0.113.99", "198.51.100.7", "10.0.0.1"] {
            Self.expectRateLimited(try await login(direct, forwardedFor: forwarded), "X-Forwarded-For \(forwarded) without a trusted proxy")
        }
        Self.expectRateLimited(try await login(direct, forwardedFor: nil), "127.0.0.1 without a header")
    }

    // MARK: 6. /readyz names only the dependency (v1.1 §9); the outages of FaultTests check it too

    @Test func readyzNamesADependencyThatCannotBeReachedAndNothingElse() async throws {
        let cluster = try await Cluster.start(.production, apis: 0, workers: 0)
        defer { cluster.stop() }
        let redisPort = TestEnvironment.freePort()
        let amqpPort = TestEnvironment.freePort()
        let cases: [(dependency: String, variable: String, url: String, port: Int)] = [
            ("redis", "REDIS_URL", "redis://127.0.0.1:\(redisPort)", redisPort),
            ("rabbitmq", "RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:\(amqpPort)/", amqpPort),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for item in cases {
                group.addTask {
                    let port = TestEnvironment.freePort()
                    var env = cluster.environment
                    env["HTTP_PORT"] = String(port)
                    env[item.variable] = item.url  // nothing listens there
                    let api = try await ManagedProcess(name: "api-no-\(item.dependency)", executable: TestEnvironment.binary("tableorder-api"), environment: env)
                    defer { api.terminate() }
                    let http = TestHTTP(baseURL: "http://127.0.0.1:\(port)")
                    let ready = try await Cluster.eventually(timeout: .seconds(60), "/readyz answering without \(item.dependency)") {
                        () -> HTTPResult? in
                        if !api.isRunning { throw TestFailure("the API exited:\n\(api.output)") }
                        guard let result = try? await http.get("/readyz"), result.status == 503 else { return nil }
                        // The name appears once the first connection attempt has failed.
                        return result.text.contains(item.dependency) ? result : nil
                    }
                    print("readyz without \(item.dependency): \(ready.text)")
                    Self.expectReadyzNamesOnly(ready, item.dependency, port: item.port)
                    #expect(try await http.get("/healthz").status == 200)
                }
            }
            try await group.waitForAll()
        }
    }

    /// A 503 of `/readyz` that names `dependency` and leaks no host, port or driver message.
    static func expectReadyzNamesOnly(
        _ result: HTTPResult, _ dependency: String, port: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 503, "/readyz: \(result.status) \(result.text)", sourceLocation: sourceLocation)
        #expect(result.text.contains(dependency), "/readyz names \(dependency): \(result.text)", sourceLocation: sourceLocation)
        var leaks = ["127.0.0.1", "localhost", "::1", "connect", "refused", "socket", "error:", "PSQL", "NIO", "timed out"]
        leaks += [port.map(String.init), TestEnvironment.env["TO_PG_PORT"], TestEnvironment.env["TO_REDIS_PORT"], TestEnvironment.env["TO_AMQP_PORT"]]
            .compactMap { $0 }
        for leak in leaks {
            #expect(!result.text.lowercased().contains(leak.lowercased()), "/readyz leaks '\(leak)': \(result.text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: 7. Development mode's files are 0600

    @Test func developmentModeFilesAreOwnerOnly() async throws {
        // A fresh file, created by the process under the usual umask 022.
        let fresh = NSTemporaryDirectory() + "tableorder-perm-\(UUID().uuidString.prefix(8))/tableorder.sqlite"
        try FileManager.default.createDirectory(
            atPath: (fresh as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // A file left by an older version with 0644.
        let existing = NSTemporaryDirectory() + "tableorder-perm-\(UUID().uuidString.prefix(8))/tableorder.sqlite"
        try FileManager.default.createDirectory(
            atPath: (existing as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(existing, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        fchmod(fd, 0o644)
        close(fd)
        #expect(try Self.mode(of: existing) == 0o644)

        for (name, path) in [("fresh", fresh), ("existing 0644", existing)] {
            let port = TestEnvironment.freePort()
            let api = try await ManagedProcess(
                name: "api-perm", executable: "/bin/sh",
                arguments: ["-c", "umask 022 && exec \"$0\"", TestEnvironment.binary("tableorder-api")],
                environment: DevelopmentModeTests.bareEnvironment(port: port, sqlitePath: path))
            let http = TestHTTP(baseURL: "http://127.0.0.1:\(port)")
            _ = try await Cluster.eventually(timeout: .seconds(120), "the development API (\(name)) ready") {
                if !api.isRunning { throw TestFailure("the API exited:\n\(api.output)") }
                return try? await http.get("/readyz").status == 200 ? true : nil
            }
            // Seeded: the demo admin can log in with the printed credentials, which are in the file.
            #expect(FileManager.default.fileExists(atPath: path + ".credentials.json"), "\(name)")
            #expect(try Self.mode(of: path) == 0o600, "\(name): the SQLite file")
            #expect(try Self.mode(of: path + ".credentials.json") == 0o600, "\(name): the credentials file")
            for suffix in ["-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
                #expect(try Self.mode(of: path + suffix) & 0o077 == 0, "\(name): \(suffix) is the database's content too")
            }
            #expect(await api.stop() == 0)
        }
    }

    static func mode(of path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestFailure("cannot stat \(path): \(String(cString: strerror(errno)))") }
        return info.st_mode & 0o7777
    }
}

// MARK: - Helpers

extension HardeningTests {
    /// What `GET /api/admin/orders/stream` answered: the status and headers, and the body (all of it for
    /// an error; for a stream, what arrived until `until` held or `timeout` passed, then it is closed).
    struct StreamAttempt: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    }

    static func attemptStream(
        _ baseURL: String, token: String, headers: [(String, String)] = [], query: String = "",
        timeout: Duration = .seconds(10), until: @escaping @Sendable (String) -> Bool = { $0.contains("\n\n") }
    ) async throws -> StreamAttempt {
        var request = HTTPClientRequest(url: baseURL + "/api/admin/orders/stream" + query)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await TestHTTP.client.execute(request, timeout: .seconds(30))
        let status = Int(response.status.code)
        guard status == 200 else {
            let body = try await response.body.collect(upTo: 1 << 20)
            return StreamAttempt(status: status, headers: response.headers, body: String(buffer: body))
        }
        let body = response.body
        let text = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                var text = ""
                for try await chunk in body {
                    text += String(buffer: chunk)
                    if until(text) { break }
                }
                return text
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? ""
        }
        return StreamAttempt(status: status, headers: response.headers, body: text)
    }

    /// The id and type of the first complete event in an SSE body.
    static func firstEvent(in text: String) -> (id: String?, event: String)? {
        var blocks = text.components(separatedBy: "\n\n")
        blocks.removeLast()  // incomplete (or empty)
        for block in blocks {
            let lines = block.split(separator: "\n")
            guard let event = lines.first(where: { $0.hasPrefix("event: ") }) else { continue }
            let id = lines.first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
            return (id, String(event.dropFirst(7)))
        }
        return nil
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func expectValidationError(
        _ attempt: StreamAttempt?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let attempt else {
            Issue.record("\(what): no answer (the API died?)", sourceLocation: sourceLocation)
            return
        }
        #expect(attempt.status == 400, "\(what): \(attempt.status) \(attempt.body.prefix(300))", sourceLocation: sourceLocation)
        #expect(attempt.errorCode == "VALIDATION_ERROR", "\(what): \(attempt.body.prefix(300))", sourceLocation: sourceLocation)
        #expect(attempt.errorMessage?.isEmpty == false, "\(what): a message", sourceLocation: sourceLocation)
        #expect(
            attempt.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true, "\(what)",
            sourceLocation: sourceLocation)
    }

    static func expectRefused(
        _ result: HTTPResult, naming field: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 400, "\(what): \(result.status) \(result.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(result.errorCode == "VALIDATION_ERROR", "\(what)", sourceLocation: sourceLocation)
        let message = ((result.json["error"] as? [String: Any])?["message"] as? String) ?? ""
        #expect(message.contains(field), "\(what): the message names \(field): \(message)", sourceLocation: sourceLocation)
    }

    static func expectRateLimited(_ result: HTTPResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 429, "\(what): \(result.status) \(result.text)", sourceLocation: sourceLocation)
        #expect(result.errorCode == "RATE_LIMIT_EXCEEDED", "\(what)", sourceLocation: sourceLocation)
        #expect((result.retryAfter ?? 0) >= 1, "\(what): Retry-After ≥ 1", sourceLocation: sourceLocation)
    }

    /// A sample's value in Prometheus text (the sum over its label sets), or nil if absent.
    static func metric(_ text: String, _ name: String) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total = (total ?? 0) + value }
        }
        return total
    }

    /// Empties one of the test Redis's numbered databases (a limiter's windows outlive a test run), with
    /// `redis-cli`: a process that ends, rather than a client thread of the test's own to shut down.
    static func flushRedis(database: Int) async throws {
        let result = try await TestEnvironment.run(
            "/usr/bin/redis-cli", ["-p", TestEnvironment.redisPort, "-n", String(database), "FLUSHDB"])
        #expect(result.status == 0 && result.out.contains("OK"), "redis-cli: \(result.out)")
    }
}
