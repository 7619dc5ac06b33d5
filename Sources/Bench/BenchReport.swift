import Foundation

/// Everything one run measured, written as JSON and printed as the README's table.
struct BenchReport: Codable {
    struct References: Codable {
        var publisherClassicPerSecond: Double
        var publisherQuorumPerSecond: Double
        var postgresOnePerTransaction: Double
        var postgresHundredPerTransaction: Double
        var redis: RedisReference.Result

        enum CodingKeys: String, CodingKey {
            case publisherClassicPerSecond = "publisher_classic_per_second"
            case publisherQuorumPerSecond = "publisher_quorum_per_second"
            case postgresOnePerTransaction = "postgres_orders_per_second_1_per_tx"
            case postgresHundredPerTransaction = "postgres_orders_per_second_100_per_tx"
            case redis
        }
    }

    var machine: String
    var startedAt: String
    var sizes: BenchSizes
    var idleAPIResidentKiB: Int
    var references: References
    var writeThroughput: WriteThroughput.Result
    var drain: [WorkerDrain.Result]
    var endToEnd: EndToEnd.Result
    var fanOut: FanOut.Result
    var fanOutReference: FanOut.Result
    var salesReport: SalesReportRun.Result

    enum CodingKeys: String, CodingKey {
        case machine, sizes, references, drain
        case startedAt = "started_at"
        case idleAPIResidentKiB = "idle_api_resident_kib"
        case writeThroughput = "write_throughput"
        case endToEnd = "end_to_end"
        case fanOut = "fan_out"
        case fanOutReference = "fan_out_reference"
        case salesReport = "sales_report"
    }

    var markdown: String {
        func n(_ value: Double) -> String { value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value) }
        func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
        func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }
        func verdict(_ ok: Bool) -> String { ok ? "met" : "**missed**" }
        let w = writeThroughput
        let one = drain.first { $0.workers == 1 }
        let two = drain.first { $0.workers == 2 }
        let apiShare = w.requestsPerSecond / references.publisherClassicPerSecond
        let drainRatio = (one?.ordersPerSecond ?? 0) / references.postgresOnePerTransaction
        let scale = (two?.ordersPerSecond ?? 0) / max(one?.ordersPerSecond ?? 1, 1)
        let fanRatio = fanOut.latency.p99Ms / max(fanOutReference.latency.p99Ms, 0.001)
        var rows: [String] = [
            "| measure | figure | reference (same run) | ratio | target |",
            "|---|---|---|---|---|",
            "| (a) `POST /api/orders`, \(w.connections) connections, \(n(w.seconds)) s | \(n(w.requestsPerSecond)) req/s, p50 \(ms(w.p50Ms)), p99 \(ms(w.p99Ms)), non-202 \(w.non202) | minimal publisher, classic queue: \(n(references.publisherClassicPerSecond)) msg/s (quorum: \(n(references.publisherQuorumPerSecond))) | \(ratio(apiShare)) | ≥ 0.40×: \(verdict(apiShare >= 0.4 && w.non202 == 0)) |",
        ]
        rows.append(
            "| (a) the API's CPU time per accepted order, over the same phase (`/proc`) | \(n(w.apiCPUMicrosecondsPerOrder)) µs | | | ≤ 100 µs: \(verdict(w.apiCPUMicrosecondsPerOrder <= 100)) |")
        if let one {
            rows.append(
                "| (b) drain of \(one.backlog) orders, 1 worker | \(n(one.ordersPerSecond)) orders/s | PostgreSQL alone, 1 order/tx: \(n(references.postgresOnePerTransaction)); 100/tx: \(n(references.postgresHundredPerTransaction)) | \(ratio(drainRatio)) | ≥ 5×: \(verdict(drainRatio >= 5)) |")
        }
        if let two {
            rows.append(
                "| (b) drain of \(two.backlog) orders, 2 workers | \(n(two.ordersPerSecond)) orders/s | 1 worker | \(ratio(scale)) | > 1×: \(verdict(scale > 1)) |")
        }
        let e = endToEnd
        rows.append(
            "| (c) POST → `order_created` on the stream, \(e.ratePerSecond)/s for \(e.seconds) s | p50 \(ms(e.latency.p50Ms)), p99 \(ms(e.latency.p99Ms)), max \(ms(e.latency.maxMs)); lost \(e.lost) of \(e.accepted) | | | p99 < 50 ms, 0 lost: \(verdict(e.latency.p99Ms < 50 && e.lost == 0 && e.accepted == e.sent)) |")
        let f = fanOut
        let r = fanOutReference
        rows.append(
            "| (d) status change → \(f.streams) streams, \(f.broadcasts) times | p50 \(ms(f.latency.p50Ms)), p99 \(ms(f.latency.p99Ms)); missed \(f.missed) | nginx + nchan publish → same streams: p50 \(ms(r.latency.p50Ms)), p99 \(ms(r.latency.p99Ms)) | \(ratio(fanRatio)) | ≤ 1.5×: \(verdict(fanRatio <= 1.5 && f.missed == 0)) |")
        rows.append(
            "| (d) resident memory per stream | \(n(f.kibPerStream)) KiB | nchan: \(n(r.kibPerStream)) KiB | \(ratio(f.kibPerStream / max(r.kibPerStream, 0.001))) | < 16 KiB: \(verdict(f.kibPerStream < 16)) |")
        let s = salesReport
        rows.append(
            "| (e) `GET /api/admin/reports/sales`, a year of \(s.orders) orders (3 lines each), \(s.requests) times | p50 \(ms(s.latency.p50Ms)), p99 \(ms(s.latency.p99Ms)) | | | p99 < 200 ms: \(verdict(s.latency.p99Ms < 200)) |")
        let idle = Double(idleAPIResidentKiB) / 1024
        rows.append("| idle API resident memory | \(n(idle)) MiB | | | < 40 MiB: \(verdict(idle < 40)) |")
        rows.append(
            "| Redis alone (`redis-benchmark`, 50 clients) | SET \(n(references.redis.setPerSecond))/s, GET \(n(references.redis.getPerSecond))/s | | | |")
        return rows.joined(separator: "\n")
    }
}
