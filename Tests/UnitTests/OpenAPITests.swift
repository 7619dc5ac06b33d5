import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
@testable import TableOrderAPI
@testable import TableOrderAuth
@testable import TableOrderCore
@testable import TableOrderInfrastructure
import Testing

/// A repository with nothing in it: enough to build the real router without a database.
struct EmptyRepository: ReadRepository {
    func storeExists(_ storeID: String) async throws -> Bool { false }
    func menu(storeID: String) async throws -> StoreMenu? { nil }
    func optionOwners(ids: [UUID]) async throws -> [UUID: UUID] { [:] }
    func openCallID(tableID: UUID, type: CallType) async throws -> String? { nil }
    func calls(storeID: String, tableID: UUID?, statuses: Set<CallStatus>, resolvedSince: Date) async throws
        -> [StaffCall]
    { [] }
    func call(id: UUID) async throws -> StaffCall? { nil }
    func storeTimeZone(storeID: String) async throws -> String? { nil }
    func salesFigures(storeID: String, start: Date, end: Date, timeZone: TimeZone) async throws -> SalesFigures {
        SalesFigures(buckets: [], cancelledOrders: 0, rejectedOrders: 0, items: [])
    }
    func adminCredential(storeID: String, username: String) async throws -> Credential? { nil }
    func adminCredential(storeID: String, userID: UUID) async throws -> Credential? { nil }
    func tableCredential(storeID: String, tableNumber: Int) async throws -> Credential? { nil }
    func order(id: UUID) async throws -> Order? { nil }
    func orderRequestHashes(ids: [UUID]) async throws -> [UUID: String] { [:] }
    func currentSessionOrders(tableID: UUID) async throws -> [Order] { [] }
    func adminSnapshot(storeID: String, status: OrderStatus?) async throws -> AdminOrdersSnapshot { .init(lastEventID: 0, tables: []) }
    func tables(storeID: String) async throws -> [TableSummary] { [] }
    func history(storeID: String, tableID: UUID, from: Date?, to: Date?) async throws -> [SessionHistory]? { nil }
    func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent] { [] }
    func lastEventID(storeID: String) async throws -> Int64 { 0 }
    func oldestEventID(storeID: String) async throws -> Int64? { nil }
    func revocationsSnapshot(now: Date) async throws -> (revocations: [Revocation], lastSeq: Int64) { ([], 0) }
    func revocations(after: Int64, limit: Int) async throws -> [Revocation] { [] }
}

enum TestDependencies {
    /// - Parameter revocations: the revocation log the router's `RevocationList` follows (empty by default;
    ///   the list is not loaded until someone calls its `refresh`).
    static func make(revocations revocationReads: (any RevocationReads)? = nil) async throws -> Dependencies {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let logger = Logger(label: "test")
        let settings = try Settings(environment: [:])
        let reads = EmptyRepository()
        return Dependencies(
            settings: settings, reads: reads, replica: reads,
            cache: CacheManager(store: InMemoryCacheStore(), defaultTTL: 300, menuTTL: 600, logger: logger),
            commands: CommandSender(bus: InMemoryEventBus(), logger: logger),
            tokens: try await TokenService(
                publicKeyPEM: key.publicKey.pemRepresentation, privateKeyPEM: key.pemRepresentation, issuer: "tableorder"),
            revocations: RevocationList(reads: revocationReads ?? reads, logger: logger),
            hub: EventHub(), limiter: RateLimitGate(limiter: InMemoryRateLimiter(), failClosed: false, logger: logger),
            readiness: { [] }, logger: logger, requestHashes: RequestHashLookup(reads: reads))
    }
}

@Suite struct OpenAPITests {
    @Test func documentDescribesExactlyTheRegisteredRoutes() async throws {
        let (_, table) = APIRouter.make(deps: try await TestDependencies.make(), registry: PrometheusCollectorRegistry())
        let registered = Set(table.registered.map { "\($0.method) \($0.path)" })
        var documented = Set<String>()
        let paths = try #require(OpenAPIDocument.document["paths"])
        for path in paths.keys where path.hasPrefix("/api/") {
            for method in paths[path]!.keys { documented.insert("\(method) \(path)") }
        }
        // The contract's endpoints (§3–§8), named once here: neither the router nor the document may lose one.
        let contract: Set<String> = [
            "post /api/auth/admin/login", "post /api/auth/table/login", "post /api/auth/logout", "put /api/admin/password",
            "get /api/stores/{store_id}/menus", "post /api/admin/categories", "post /api/admin/menus",
            "put /api/admin/menus/{menu_id}", "delete /api/admin/menus/{menu_id}", "post /api/orders",
            "get /api/orders/{order_id}", "get /api/table/orders", "get /api/admin/orders",
            "patch /api/admin/orders/{order_id}/status", "delete /api/admin/orders/{order_id}",
            "get /api/admin/orders/stream", "get /api/admin/tables", "post /api/admin/tables",
            "post /api/admin/tables/{table_id}/complete", "get /api/admin/tables/{table_id}/history",
        ]
        #expect(contract.subtracting(documented).isEmpty, "the contract's endpoints not documented: \(contract.subtracting(documented))")
        #expect(documented == registered, "documented but not served: \(documented.subtracting(registered)); served but not documented: \(registered.subtracting(documented))")
    }

    @Test func documentIsServedAsOpenAPI3() async throws {
        let (router, _) = APIRouter.make(deps: try await TestDependencies.make(), registry: PrometheusCollectorRegistry())
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect((object?["openapi"] as? String)?.hasPrefix("3.") == true)
                #expect((object?["paths"] as? [String: Any])?["/api/orders"] != nil)
            }
        }
    }
}
