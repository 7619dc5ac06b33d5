import Foundation
import Testing

/// Issue 18: a pod at its open-file limit refuses, it does not die. The API runs under `ulimit -n 512`
/// (before the fix it died by SIGILL there: libdispatch traps when it cannot open a file); streams and
/// plain connections are opened past what it can hold.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct DescriptorLimitTests {
    static let openFileLimit = 512

    @Test func aFullPodRefusesNewStreamsAndConnectionsAndRecovers() async throws {
        let cluster = try await Cluster.start(apis: 0, workers: 1, environment: ["SSE_MAX_STREAMS_PER_USER": "100000", "RATE_LIMIT": "100000"])
        defer { cluster.stop() }
        try await cluster.startAPI(openFileLimit: Self.openFileLimit)
        let port = cluster.apiPorts[0]
        let api = cluster.apis[0]
        let store = try await cluster.seedStore()
        let admin = try await cluster.adminToken(store)
        let table = try await cluster.tableToken(store)
        // The cap the API derived from its limit (the unit tests pin the arithmetic; it depends on the cores).
        let line = try #require(api.output.split(separator: "\n").first { $0.contains("open-file limit") })
        #expect(line.contains("\"soft\":\"\(Self.openFileLimit)\""))
        let streamCap = try #require(
            line.firstMatch(of: /"max_streams":"(\d+)"/).flatMap { Int($0.1) }, "no max_streams in \(line)")
        #expect((300..<Self.openFileLimit).contains(streamCap))

        // Streams past the cap: the first `streamCap` are served, the rest refused with 503 + Retry-After.
        var streams: [RawConnection] = []
        var refused: [RawConnection] = []
        for _ in 0..<(streamCap + 40) {
            let connection = try await RawConnection.openStream(port: port, token: admin)
            if connection.status == 200 { streams.append(connection) } else { refused.append(connection) }
        }
        #expect(streams.count == streamCap)
        #expect(refused.count == 40)
        for connection in refused {
            #expect(connection.status == 503)
            #expect(connection.text.contains("Retry-After: "))
            #expect(connection.text.contains("SERVICE_UNAVAILABLE"))
        }
        refused.removeAll()
        let full = try await cluster.http().get("/readyz")
        #expect(full.status == 503)
        #expect(full.text.contains("capacity"))

        // Plain connections past what the pod may hold: the surplus is closed at once, the process stays.
        var idle: [RawConnection] = []
        for _ in 0..<150 { if let connection = try? await RawConnection(port: port, timeout: .seconds(1)) { idle.append(connection) } }
        var closedByServer = 0
        for connection in idle {
            if await connection.read(for: .milliseconds(20)).closed { closedByServer += 1 }
        }
        #expect(closedByServer > 0)
        #expect(api.isRunning)
        idle.removeAll()

        // The streams already open keep receiving, in order.
        let healthy = try await Cluster.eventually("the API answering again") {
            try? await cluster.http().get("/healthz").status == 200 ? true : nil
        }
        #expect(healthy)
        var orderIDs: [String] = []
        for _ in 0..<3 { orderIDs.append(try await cluster.placeOrder(store, token: table)) }
        for connection in [streams[0], streams[streams.count / 2], streams[streams.count - 1]] {
            let text = await connection.read(until: { text in orderIDs.allSatisfy { text.contains($0) } }, timeout: .seconds(20))
            #expect(orderIDs.allSatisfy { text.contains($0) })
            let ids = connection.eventIDs
            #expect(ids.count >= 3)
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        }

        // When clients leave, the pod takes new streams again.
        streams.removeAll()
        _ = try await Cluster.eventually("ready again") { try? await cluster.http().get("/readyz").status == 200 ? true : nil }
        let again = try await RawConnection.openStream(port: port, token: admin)
        #expect(again.status == 200)
        #expect(api.isRunning)
    }
}
