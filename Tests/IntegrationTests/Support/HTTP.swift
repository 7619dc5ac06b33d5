import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON-over-HTTP client for tests, on AsyncHTTPClient.
struct HTTPResult: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
    var text: String { String(decoding: body, as: UTF8.self) }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var retryAfter: Int? { headers.first(name: "Retry-After").flatMap(Int.init) }
}

struct TestHTTP: Sendable {
    let baseURL: String
    static let client = HTTPClient(eventLoopGroupProvider: .singleton)

    func request(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil, rawBody: [UInt8]? = nil,
        headers: [(String, String)] = [], contentType: String? = "application/json"
    ) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        var bodyBytes = rawBody
        if let json { bodyBytes = Array(try JSONSerialization.data(withJSONObject: json)) }
        if let bodyBytes {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(bytes: bodyBytes))
        }
        // A bound for a request that never ends, not a speed claim: with every suite's clusters starting at
        // once on two cores, 15 s was seen to pass before an answer (three runs, three different requests).
        // A request slower than 10 s is named in the output, so a real stall shows where it is.
        let start = ContinuousClock.now
        let response = try await Self.client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 10 * 1024 * 1024)
        let took = start.duration(to: .now)
        if took > .seconds(10) { print("TestHTTP: slow answer, \(took): \(method.rawValue) \(path) → \(response.status.code)") }
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    func get(_ path: String, token: String? = nil, headers: [(String, String)] = []) async throws -> HTTPResult {
        try await request(.GET, path, token: token, headers: headers)
    }

    func post(_ path: String, token: String? = nil, json: Any, headers: [(String, String)] = []) async throws
        -> HTTPResult
    {
        try await request(.POST, path, token: token, json: json, headers: headers)
    }
}

/// One parsed SSE event.
struct SSEEvent: Sendable {
    var id: Int64?
    var event: String?
    var data: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
    /// The order an order event is about (`order.order_id`).
    var orderID: String? { (json["order"] as? [String: Any])?["order_id"] as? String }
}

/// An open SSE stream, read in the background; tests wait for the events they expect.
final class SSEClient: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SSEEvent] = []
    private var comments: [String] = []
    private var firstLines: [String] = []
    private var task: Task<Void, Never>?
    private var finished = false
    private(set) var status = 0
    private(set) var headers = HTTPHeaders()

    static func open(
        _ baseURL: String, token: String, lastEventID: Int64? = nil, query: String = "",
        path: String = "/api/admin/orders/stream"
    ) async throws -> SSEClient {
        var request = HTTPClientRequest(url: baseURL + path + query)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
        let response = try await TestHTTP.client.execute(request, timeout: .hours(1))
        let client = SSEClient()
        client.status = Int(response.status.code)
        client.headers = response.headers
        client.task = Task {
            var buffer = ""
            do {
                for try await chunk in response.body {
                    buffer += String(buffer: chunk)
                    while let range = buffer.range(of: "\n\n") {
                        let block = String(buffer[..<range.lowerBound])
                        buffer = String(buffer[range.upperBound...])
                        client.parse(block)
                    }
                }
                client.markFinished()
            } catch {}
        }
        return client
    }

    private func parse(_ block: String) {
        var event = SSEEvent(data: "")
        var isEvent = false
        lock.lock()
        defer { lock.unlock() }
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if firstLines.count < 1 { firstLines.append(String(line)) }
            if line.hasPrefix(":") {
                comments.append(String(line))
            } else if line.hasPrefix("id: ") {
                event.id = Int64(line.dropFirst(4))
                isEvent = true
            } else if line.hasPrefix("event: ") {
                event.event = String(line.dropFirst(7))
                isEvent = true
            } else if line.hasPrefix("data: ") {
                event.data = String(line.dropFirst(6))
                isEvent = true
            }
        }
        if isEvent { events.append(event) }
    }

    private func markFinished() {
        lock.lock()
        finished = true
        lock.unlock()
    }

    /// Whether the server ended the stream (rather than the connection failing).
    var isFinished: Bool { lock.lock(); defer { lock.unlock() }; return finished }

    var received: [SSEEvent] { lock.lock(); defer { lock.unlock() }; return events }
    var receivedComments: [String] { lock.lock(); defer { lock.unlock() }; return comments }
    var firstLine: String? { lock.lock(); defer { lock.unlock() }; return firstLines.first }

    /// Waits until `predicate` holds for the events received, or the timeout passes.
    @discardableResult
    func waitFor(timeout: Duration = .seconds(30), _ predicate: ([SSEEvent]) -> Bool) async -> [SSEEvent] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = received
            if predicate(current) { return current }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return received
    }

    func close() { task?.cancel() }
}
