/// Latency summaries: the benchmark reports percentiles of whole samples, never averages alone.
struct LatencySummary: Codable, Sendable {
    var count: Int
    var p50Ms: Double
    var p99Ms: Double
    var maxMs: Double

    enum CodingKeys: String, CodingKey {
        case count
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case maxMs = "max_ms"
    }

    /// - Parameter nanoseconds: one sample per observation.
    init(nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        func at(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1_000_000
        }
        count = sorted.count
        p50Ms = at(0.50)
        p99Ms = at(0.99)
        maxMs = Double(sorted.last ?? 0) / 1_000_000
    }
}

/// Monotonic nanoseconds, comparable across threads of this process.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

func seconds(since start: UInt64) -> Double {
    Double(monotonicNanoseconds() - start) / 1_000_000_000
}

#if canImport(Glibc)
import Glibc
#endif
