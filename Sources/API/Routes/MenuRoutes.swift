import Hummingbird
import TableOrderCore

/// `GET /api/stores/{store_id}/menus`, cache-aside.
struct MenuRoutes: Sendable {
    let deps: Dependencies

    func register(on router: RouteTable) {
        router.get("/api/stores/:store_id/menus") { _, context in
            let storeID = try context.parameters.require("store_id")
            guard StoreID.isValid(storeID), let bytes = try await MenuReader(deps: deps).menuJSON(storeID: storeID)
            else { throw ServiceError.notFound("store \(storeID) not found") }
            return Response.json(bytes: bytes)
        }
    }
}

/// The store's menu as served, through the cache. Order validation reads it the same way.
struct MenuReader: Sendable {
    let deps: Dependencies

    func menuJSON(storeID: String) async throws -> [UInt8]? {
        try await deps.cache.fetch(storeID: storeID, scope: .menus, key: "menu") {
            try await deps.reads.menu(storeID: storeID).map { try JSON.encode($0) }
        }
    }

    func menu(storeID: String) async throws -> StoreMenu? {
        guard let bytes = try await menuJSON(storeID: storeID) else { return nil }
        return try deps.decodedMenus.menu(storeID: storeID, json: bytes)
    }
}
