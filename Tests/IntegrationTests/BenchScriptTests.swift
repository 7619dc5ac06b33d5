import Foundation
import Testing

/// `ops/bench.sh` keeps working: a run at tiny sizes (debug binaries, the test services, its own vhost)
/// must produce every figure of the README's table. Nothing here is timed; the figures of a tiny run
/// mean nothing and are not compared with anything.
@Suite(.enabled(if: try TestEnvironment.requires(.services, .repositoryRoot), "needs ops/test.sh"))
struct BenchScriptTests {
    @Test func aTinyRunProducesEveryFigure() async throws {
        let root = TestEnvironment.env["TABLEORDER_REPO_ROOT"]!
        let out = NSTemporaryDirectory() + "tableorder-bench-\(UUID().uuidString.prefix(8)).json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var env = TestEnvironment.env
        env["BENCH_API_PORT"] = String(TestEnvironment.freePort())
        env["BENCH_WORKER_PORTS"] = "\(TestEnvironment.freePort()) \(TestEnvironment.freePort())"
        env["BENCH_NCHAN_PORT"] = String(TestEnvironment.freePort())
        let result = try await TestEnvironment.run(
            "/bin/bash", ["\(root)/ops/bench.sh", "--tiny", "--bin-dir", TestEnvironment.binDirectory!, "--out", out],
            environment: env)
        try #require(result.status == 0, "ops/bench.sh --tiny failed:\n\(result.out)")
        #expect(result.out.contains("| (a) `POST /api/orders`"), "the table is printed")

        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        func object(_ key: String) -> [String: Any] { report[key] as? [String: Any] ?? [:] }
        func number(_ dict: [String: Any], _ key: String) -> Double { (dict[key] as? NSNumber)?.doubleValue ?? -1 }

        let references = object("references")
        for key in [
            "publisher_classic_per_second", "publisher_quorum_per_second", "postgres_orders_per_second_1_per_tx",
            "postgres_orders_per_second_100_per_tx",
        ] {
            #expect(number(references, key) > 0, "\(key)")
        }
        let redis = references["redis"] as? [String: Any] ?? [:]
        #expect(number(redis, "set_per_second") > 0 && number(redis, "get_per_second") > 0)

        let writes = object("write_throughput")
        #expect(number(writes, "requests") > 0)
        #expect(number(writes, "non_202") == 0, "every order accepted")

        let drains = report["drain"] as? [[String: Any]] ?? []
        #expect(drains.map { number($0, "workers") } == [1, 2])
        #expect(drains.allSatisfy { number($0, "orders_per_second") > 0 && number($0, "backlog") == 200 })

        let endToEnd = object("end_to_end")
        #expect(number(endToEnd, "sent") == 20)
        #expect(number(endToEnd, "accepted") == 20 && number(endToEnd, "received") == 20 && number(endToEnd, "lost") == 0)

        for key in ["fan_out", "fan_out_reference"] {
            let fan = object(key)
            #expect(number(fan, "streams") == 20 && number(fan, "missed") == 0, "\(key)")
            #expect(number(fan["latency"] as? [String: Any] ?? [:], "count") == 40, "\(key): 20 streams × 2 broadcasts")
        }
        #expect(number(report, "idle_api_resident_kib") > 0)

        let sales = object("sales_report")
        #expect(number(sales, "orders") == 500 && number(sales, "requests") == 3)
        #expect(number(sales, "counted_orders") == 500 - 10 - 5, "all but the cancelled (1 in 50) and rejected (1 in 97)")
        #expect(number(sales["latency"] as? [String: Any] ?? [:], "count") == 3)
    }
}
