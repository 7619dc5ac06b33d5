import Foundation
import NIOConcurrencyHelpers

/// (c) What staff see: orders posted at a steady rate while an admin holds the store's stream; each
/// order's latency runs from just before its POST is sent to the arrival of its `order_created` event.
struct EndToEnd {
    struct Result: Codable {
        var ratePerSecond: Int
        var seconds: Int
        var sent: Int
        var accepted: Int
        var received: Int
        var lost: Int
        var latency: LatencySummary

        enum CodingKeys: String, CodingKey {
            case ratePerSecond = "rate_per_second"
            case seconds, sent, accepted, received, lost, latency
        }
    }

    let env: BenchEnvironment
    let store: BenchStore

    func run(rate: Int, duration: Int) async throws -> Result {
        let total = rate * duration
        let sentAt = NIOLockedValueBox([UInt64](repeating: 0, count: total))
        let receivedAt = NIOLockedValueBox([UInt64](repeating: 0, count: total))
        let marker = "e2e-\(UUID().uuidString.prefix(8))-"
        let fleet = SSEFleet { _, frame, time in
            guard frame.contains("event: order_created"), let n = Self.sequence(in: frame, after: marker), n < total
            else { return }
            receivedAt.withLockedValue { if $0[n] == 0 { $0[n] = time } }
        }
        try await fleet.connect(
            count: 1, host: "127.0.0.1", port: env.apiPort, path: "/api/admin/orders/stream",
            headers: [("Authorization", "Bearer \(store.adminToken)")])

        let interval = 1_000_000_000 / UInt64(rate)
        let accepted = ManagedCounter()
        let start = monotonicNanoseconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<total {
                let due = start + UInt64(n) * interval
                let now = monotonicNanoseconds()
                if due > now { try await Task.sleep(for: .nanoseconds(Int(due - now))) }
                let token = store.tableTokens[n % store.tableTokens.count]
                let body = store.orderBody(note: "\(marker)\(n)")
                group.addTask {
                    sentAt.withLockedValue { $0[n] = monotonicNanoseconds() }
                    let answer = try await BenchHTTP.request(
                        "\(env.apiBase)/api/orders", method: .POST, token: token, body: body)
                    if answer.status == 202 { accepted.increment() }
                }
            }
            try await group.waitForAll()
        }
        // Every accepted order's event, or ten seconds of silence.
        let deadline = ContinuousClock.now + .seconds(10)
        while receivedAt.withLockedValue({ $0.count(where: { $0 != 0 }) }) < accepted.value, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        await fleet.close()
        let missing = receivedAt.withLockedValue { received in received.indices.filter { received[$0] == 0 } }
        if !missing.isEmpty { progress("end to end: no event for orders \(marker)\(missing.prefix(20))") }
        let sent = sentAt.withLockedValue { $0 }
        let received = receivedAt.withLockedValue { $0 }
        let latencies = zip(sent, received).compactMap { send, receive in receive != 0 ? receive &- send : nil }
        return Result(
            ratePerSecond: rate, seconds: duration, sent: total, accepted: accepted.value, received: latencies.count,
            lost: accepted.value - latencies.count, latency: LatencySummary(nanoseconds: latencies))
    }

    /// The number after `marker` in an event's data (the order's note), without decoding the JSON.
    static func sequence(in frame: String, after marker: String) -> Int? {
        guard let range = frame.range(of: marker) else { return nil }
        return Int(frame[range.upperBound...].prefix(while: \.isNumber))
    }
}

final class ManagedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func increment() { box.withLockedValue { $0 += 1 } }
    var value: Int { box.withLockedValue { $0 } }
}
