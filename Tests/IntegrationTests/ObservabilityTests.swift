import Foundation
import NIOHTTP1
@testable import TableOrderCore
import TableOrderStorage
import Testing

/// A request's trace id reaches the worker's log lines through the command message, and every metric the
/// alert rules and the Grafana dashboard use is one the processes really export.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct ObservabilityTests {
    @Test func aRequestsTraceIDTravelsIntoTheWorkersJSONLogLines() async throws {
        // A vhost of its own: the suites run in parallel, and a worker of another suite must not take
        // (and log) this test's commands.
        let cluster = try await Cluster.start(
            environment: ["LOG_LEVEL": "info", "LOG_FORMAT": "json", "RABBITMQ_URL": try await Self.freshVhost()])
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        let token = try await cluster.tableToken(store)
        let menu = try await cluster.menus(store)[0]
        let incoming = TraceContext.start()

        let accepted = try await cluster.http().post(
            "/api/orders", token: token, json: ["items": [["menu_id": menu["id"]!, "quantity": 1]]],
            headers: [("traceparent", incoming.header)])
        #expect(accepted.status == 202)
        let answered = try #require(accepted.headers.first(name: "traceparent").flatMap(TraceContext.init(header:)))
        #expect(answered.traceID == incoming.traceID, "the caller's trace is continued")
        #expect(answered.spanID != incoming.spanID, "in a span of the API's own")
        #expect(accepted.headers.first(name: "X-Request-ID") == incoming.traceID)
        let orderID = try #require(accepted.json["order_id"] as? String)

        // The worker's line for the command, found by the trace id alone.
        let applied = try await Cluster.eventually("the worker's log line") {
            Self.jsonLines(cluster.workers[0].output).first {
                $0["trace_id"] as? String == incoming.traceID && $0["msg"] as? String == "command applied"
            }
        }
        #expect(applied["command_type"] as? String == "order.create")
        #expect(applied["store_id"] as? String == store.storeID)
        #expect(applied["parent_span_id"] as? String == answered.spanID, "the worker's parent is the API's span")
        #expect(try await cluster.count("SELECT count(*) FROM orders WHERE store_id = ?", [.text(store.storeID)]) == 1)
        #expect(!orderID.isEmpty)

        // The API's access line for the same request.
        let access = try #require(
            Self.jsonLines(cluster.apis[0].output).first {
                $0["trace_id"] as? String == incoming.traceID && $0["msg"] as? String == "request"
            })
        #expect(access["status"] as? String == "202")
        #expect(access["path"] as? String == "/api/orders")

        // Without a traceparent a trace is started, and it travels the same way.
        let fresh = try await cluster.http().post(
            "/api/orders", token: token, json: ["items": [["menu_id": menu["id"]!, "quantity": 2]]])
        #expect(fresh.status == 202, "\(fresh.text)")
        let started = try #require(fresh.headers.first(name: "X-Request-ID"))
        _ = try await Cluster.eventually("the worker's line for a started trace") {
            Self.jsonLines(cluster.workers[0].output).first { $0["trace_id"] as? String == started }
        }
        // Every line either process wrote is a JSON object.
        for process in cluster.apis + cluster.workers {
            let lines = process.output.split(separator: "\n")
            #expect(!lines.isEmpty)
            #expect(Self.jsonLines(process.output).count == lines.count, "\(process.name): \(process.output.prefix(2000))")
        }
    }

    @Test func alertRulesAndTheDashboardUseOnlyExportedMetrics() async throws {
        let cluster = try await Cluster.start()
        defer { cluster.stop() }
        let store = try await cluster.seedStore()
        _ = try await cluster.placeOrder(store, token: try await cluster.tableToken(store))
        // Metrics appear once a first request or batch has touched them.
        let exported = try await Cluster.eventually("the worker's batch metrics") { () -> Set<String>? in
            let api = try await cluster.http().get("/metrics").text
            let worker = try await TestHTTP(baseURL: "http://127.0.0.1:\(cluster.workerPorts[0])").get("/metrics").text
            let names = Self.seriesAndLabels(api + "\n" + worker)
            return names.contains("tableorder_worker_batch_seconds_bucket") ? names : nil
        }
        let root = Self.repoRoot
        let alerts = try String(contentsOfFile: "\(root)/ops/monitoring/alerts.yml", encoding: .utf8)
        let dashboard = try String(contentsOfFile: "\(root)/ops/monitoring/grafana-dashboard.json", encoding: .utf8)
        let dashboardJSON = try #require(JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any])
        let panels = try #require(dashboardJSON["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 10)

        // Our own series (tableorder_*, Hummingbird's HTTP metrics) and the labels queried on them.
        // RabbitMQ's (rabbitmq_*) come from the broker's plugin and are not scraped here.
        var used: Set<String> = []
        for text in [alerts] + expressions {
            for match in text.matches(of: /\b(tableorder_[a-z_]+|hb_[a-z_]+|http_server_[a-z_]+|http_route|http_response_status_code)\b/) {
                used.insert(String(match.1))
            }
        }
        #expect(used.count >= 12)
        for name in used.sorted() {
            #expect(exported.contains(name), "\(name) is used by the alert rules or the dashboard but not exported")
        }
    }

    static var repoRoot: String { TestEnvironment.env["TABLEORDER_REPO_ROOT"] ?? FileManager.default.currentDirectoryPath }

    static func freshVhost() async throws -> String {
        let result = try await TestEnvironment.run(
            "/bin/bash", ["\(repoRoot)/ops/services.sh", "vhost", "obs-\(UUID().uuidString.prefix(8))"])
        guard result.status == 0 else { throw TestFailure("no vhost: \(result.err)") }
        return String(result.out.split(separator: "\n").last ?? "")
    }

    /// Each line of a log that is a JSON object.
    static func jsonLines(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// Series names (`name_bucket` too) and label names of a Prometheus text exposition.
    static func seriesAndLabels(_ text: String) -> Set<String> {
        var names: Set<String> = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let name = line.split(whereSeparator: { $0 == "{" || $0 == " " }).first else { continue }
            names.insert(String(name))
            for label in line.matches(of: /[{,]([a-zA-Z_][a-zA-Z0-9_]*)=/) { names.insert(String(label.1)) }
        }
        return names
    }
}
