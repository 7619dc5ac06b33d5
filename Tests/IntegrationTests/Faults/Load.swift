import Foundation
import NIOHTTP1
import TableOrderCore
import TableOrderProcesses
import TableOrderStorage
import Testing

/// One answered (or failed) order request of a load run.
struct Outcome: Sendable {
    var status: Int  // 0: no answer (connection refused or timed out)
    var retryAfter: Int?
    var latency: Duration
    var orderID: String?
}

/// Posts orders at a bounded concurrency, spreading them over tables and API processes; a request whose
/// API does not answer goes to the next one, as a load balancer would.
struct OrderLoad: Sendable {
    let baseURLs: [String]
    let tokens: [String]
    let menuID: String

    func run(total: Int, concurrency: Int, pause: Duration = .zero) async -> [Outcome] {
        let next = Counter()
        return await withTaskGroup(of: [Outcome].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var outcomes: [Outcome] = []
                    while let index = await next.take(below: total) {
                        outcomes.append(await post(index))
                        if pause > .zero { try? await Task.sleep(for: pause) }
                    }
                    return outcomes
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    func post(_ index: Int) async -> Outcome {
        let body = Array(#"{"items":[{"menu_id":"\#(menuID)","quantity":1}]}"#.utf8)
        let token = tokens[index % tokens.count]
        let start = ContinuousClock.now
        for attempt in 0..<baseURLs.count {
            let base = baseURLs[(index + attempt) % baseURLs.count]
            guard let result = try? await TestHTTP(baseURL: base).request(.POST, "/api/orders", token: token, rawBody: body)
            else { continue }
            return Outcome(
                status: result.status, retryAfter: result.headers.first(name: "Retry-After").flatMap(Int.init),
                latency: start.duration(to: .now), orderID: result.json["order_id"] as? String)
        }
        return Outcome(status: 0, retryAfter: nil, latency: start.duration(to: .now), orderID: nil)
    }

    actor Counter {
        var value = 0
        func take(below limit: Int) -> Int? {
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// What a fault scenario counts, printed in the test output.
struct FaultReport: CustomStringConvertible {
    var name: String
    var outcomes: [Outcome]
    var persisted: Set<String>
    var persistedRows: Int

    var accepted: Set<String> { Set(outcomes.filter { $0.status == 202 }.compactMap(\.orderID)) }
    var lost: Set<String> { accepted.subtracting(persisted) }
    var duplicated: Int { persistedRows - persisted.count }
    var serverErrors: [Outcome] { outcomes.filter { $0.status >= 500 } }
    var unavailableWithRetryAfter: Int { serverErrors.filter { $0.status == 503 && ($0.retryAfter ?? 0) >= 1 }.count }
    var unanswered: Int { outcomes.filter { $0.status == 0 }.count }

    var description: String {
        "fault \(name): sent \(outcomes.count), 202 \(accepted.count), persisted \(persisted.count), "
            + "duplicated \(duplicated), lost \(lost.count), 5xx \(serverErrors.count) "
            + "(503 with Retry-After \(unavailableWithRetryAfter)), unanswered \(unanswered)"
    }
}

extension Cluster {
    /// The order ids persisted for the store, and the number of rows.
    func persistedOrders(_ store: SeededStore) async throws -> (ids: Set<String>, rows: Int) {
        let ids = try await query("SELECT id FROM orders WHERE store_id = ?", [.text(store.storeID)]).map { try $0.string(0) }
        return (Set(ids), ids.count)
    }

    /// Waits until every accepted order is persisted (or the timeout), then reports.
    func report(_ name: String, _ store: SeededStore, _ outcomes: [Outcome], timeout: Duration = .seconds(60)) async throws
        -> FaultReport
    {
        let accepted = Set(outcomes.filter { $0.status == 202 }.compactMap(\.orderID))
        let deadline = ContinuousClock.now + timeout
        var persisted = try await persistedOrders(store)
        while !accepted.isSubset(of: persisted.ids), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            persisted = try await persistedOrders(store)
        }
        let report = FaultReport(name: name, outcomes: outcomes, persisted: persisted.ids, persistedRows: persisted.rows)
        print(report)
        return report
    }

    /// A load generator over the first `apis` APIs, ordering the store's first menu from tables 1...tables.
    func orderLoad(_ store: SeededStore, tables: Int, apis: Int = 1) async throws -> OrderLoad {
        OrderLoad(
            baseURLs: (0..<apis).map { baseURL($0) }, tokens: try await tableTokens(store, count: tables),
            menuID: try await menus(store)[0]["id"] as! String)
    }

    /// Tokens for tables 1...count.
    func tableTokens(_ store: SeededStore, count: Int) async throws -> [String] {
        var tokens: [String] = []
        for table in 1...count { tokens.append(try await tableToken(store, table: table)) }
        return tokens
    }
}

/// Takes a service down and brings it back (`ops/services.sh down|up`), for outages.
enum Outage {
    static func run(_ action: String, _ service: String) async throws {
        let root = TestEnvironment.env["TABLEORDER_REPO_ROOT"] ?? FileManager.default.currentDirectoryPath
        let dir = try #require(TestEnvironment.env["TO_SERVICES_DIR"])
        let log = NSTemporaryDirectory() + "tableorder-outage.log"
        let status = try await Spawned("/bin/bash", ["\(root)/ops/services.sh", action, service, dir], environment: TestEnvironment.env, output: log).exit()
        guard status == 0 else { throw TestFailure("\(action) \(service) failed (see \(log))") }
    }

    static func down(_ service: String) async throws { try await run("down", service) }
    static func up(_ service: String) async throws { try await run("up", service) }
}

