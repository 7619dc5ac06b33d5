#if canImport(TableOrderRabbitMQ)
import Foundation
import TableOrderCore
import Testing

/// The whole path over TLS (issue 17): PostgreSQL with `sslmode=verify-full`, Redis on `rediss://`,
/// RabbitMQ on `amqps://`, all trusting the run's own CA (`ops/services.sh start` makes it and opens the
/// TLS listeners beside the plaintext ones). `ops/test.sh` also runs the order and stream suites with
/// every URL switched to these (its TLS phase); this suite checks the parts that phase cannot: that each
/// client really verifies the server.
@Suite(.enabled(if: try TestEnvironment.requires(.services) && TLSEnvironment.required()))
struct TransportSecurityTests {
    /// A vhost of its own on the TLS listener.
    static func amqpsURL() async throws -> String {
        let root = TestEnvironment.env["TABLEORDER_REPO_ROOT"] ?? FileManager.default.currentDirectoryPath
        let name = "tls-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await TestEnvironment.run("\(root)/ops/services.sh", ["vhost", name, "tls"])
        guard created.status == 0, let url = created.out.split(separator: "\n").last(where: { $0.hasPrefix("amqps://") })
        else { throw TestFailure("vhost \(name) tls: \(created.out)") }
        return String(url)
    }

    static func tlsEnvironment(trusting ca: String?) async throws -> [String: String] {
        let env = TestEnvironment.env
        return [
            "DATABASE_URL": env["TO_PG_TLS_URL"]!, "REDIS_URL": env["TO_REDISS_URL"]!,
            "RABBITMQ_URL": try await amqpsURL(), "TLS_CA_FILE": ca ?? "",
        ]
    }

    @Test func anOrderTravelsEveryHopOverTLS() async throws {
        let cluster = try await Cluster.start(
            apis: 1, workers: 1, environment: try await Self.tlsEnvironment(trusting: TestEnvironment.env["TO_TLS_CA_FILE"]))
        defer { cluster.stop() }
        let store = try await cluster.seedStore(tables: 1)
        let admin = try await cluster.adminToken(store)
        let stream = try await SSEClient.open(cluster.baseURL(), token: admin)
        defer { stream.close() }
        let table = try await cluster.tableToken(store)
        let orderID = try await cluster.placeOrder(store, token: table)
        let events = await stream.waitFor { events in events.contains { $0.orderID == orderID } }
        #expect(events.contains { $0.event == "order_created" && $0.orderID == orderID })
        // The database sessions of this run are encrypted (the server says so, not the client).
        let encrypted = try await cluster.count(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND datname = current_database()")
        #expect(encrypted >= 1)
    }

    /// Without the run's CA, the system's roots do not trust the services' certificate: no client may
    /// connect. The API then reports every dependency unready instead of talking to an unverified server.
    @Test func aServerTheClientCannotVerifyIsRefused() async throws {
        let cluster = Cluster(.production, extraEnvironment: try await Self.tlsEnvironment(trusting: nil))
        let port = TestEnvironment.freePort()
        var env = cluster.environment
        env["HTTP_PORT"] = String(port)
        let api = try await ManagedProcess(name: "api", executable: TestEnvironment.binary("tableorder-api"), environment: env)
        defer { api.terminate() }
        let http = TestHTTP(baseURL: "http://127.0.0.1:\(port)")
        // Polls until the API answers /readyz, for at most 20 s: it must never be ready.
        var answers: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, api.isRunning {
            if let result = try? await http.get("/readyz") {
                #expect(result.status == 503, "ready while no service could be verified: \(result.text)")
                answers.append(result.text)
                if answers.count >= 5 { break }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        print("tls without the CA: /readyz said \(answers.last ?? "nothing"); api output:\n\(api.output.suffix(2000))")
        #expect(api.output.contains("certificate") || api.output.contains("CERTIFICATE"), "the log says why")
    }
}
/// What `ops/services.sh start` exports for its TLS listeners.
enum TLSEnvironment {
    static let variables = ["TO_TLS_CA_FILE", "TO_PG_TLS_URL", "TO_REDISS_URL", "TO_AMQPS_PORT"]

    static func required() throws -> Bool {
        let missing = variables.filter { TestEnvironment.env[$0]?.isEmpty ?? true }
        if missing.isEmpty { return true }
        guard TestEnvironment.integrationRequired else { return false }
        throw TestEnvironment.MissingEnvironment(missing: missing)
    }
}
#endif
