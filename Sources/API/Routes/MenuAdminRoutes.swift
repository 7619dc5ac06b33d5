import Foundation
import Hummingbird
import TableOrderAuth
import TableOrderCore

/// Category and menu writes of contract §5: validated here against the store's menu (through the cache),
/// applied by the worker, which invalidates the menu cache and emits `menu_changed`.
struct MenuAdminRoutes: Sendable {
    let deps: Dependencies

    struct CategoryBody: Decodable {
        var name: String
        var sortOrder: Int?
        enum CodingKeys: String, CodingKey { case name, sortOrder = "sort_order" }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            sortOrder = try c.contains(.sortOrder) && !c.decodeNil(forKey: .sortOrder) ? c.decodeInteger(forKey: .sortOrder) : nil
        }
    }

    /// Menu fields; all optional here, `POST` checks the required ones.
    struct MenuBody: Decodable {
        var categoryID: String?
        var name: String?
        var price: Int?
        var description: String?
        var imageURL: String?
        var isAvailable: Bool?
        var sortOrder: Int?

        enum CodingKeys: String, CodingKey {
            case categoryID = "category_id", name, price, description, imageURL = "image_url"
            case isAvailable = "is_available", sortOrder = "sort_order"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func integer(_ key: CodingKeys) throws -> Int? {
                try c.contains(key) && !c.decodeNil(forKey: key) ? c.decodeInteger(forKey: key) : nil
            }
            categoryID = try c.decodeIfPresent(String.self, forKey: .categoryID)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            price = try integer(.price)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            imageURL = try c.decodeIfPresent(String.self, forKey: .imageURL)
            isAvailable = try c.decodeIfPresent(Bool.self, forKey: .isAvailable)
            sortOrder = try integer(.sortOrder)
        }

        /// Range checks of contract §5 for the fields present.
        func validate(categories: [MenuCategory]) throws -> String? {
            if let name { try MenuAdminRoutes.checkName(name) }
            if let price { try Limits.price.check(price) }
            if let description { try Limits.description.check(description) }
            if let imageURL { try Limits.imageURL.check(imageURL) }
            if let sortOrder { try MenuAdminRoutes.checkSortOrder(sortOrder) }
            guard let categoryID else { return nil }
            guard let id = UUID(uuidString: categoryID)?.lowercased, categories.contains(where: { $0.id == id }) else {
                throw ServiceError.validation("category_id: no such category in this store")
            }
            return id
        }
    }

    func register(on router: RouteTable) {
        router.post("/api/admin/categories") { request, context in try await createCategory(request, context) }
        router.post("/api/admin/menus") { request, context in try await createMenu(request, context) }
        router.put("/api/admin/menus/:menu_id") { request, context in
            try await updateMenu(request, context, id: try context.parameters.require("menu_id"))
        }
        router.delete("/api/admin/menus/:menu_id") { request, context in
            try await deleteMenu(request, context, id: try context.parameters.require("menu_id"))
        }
    }

    static func checkName(_ name: String) throws {
        try Limits.name.check(name)
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ServiceError.validation("name: \(Limits.name.expectation)")
        }
    }

    static func checkSortOrder(_ value: Int) throws {
        try Limits.sortOrder.check(value)
    }

    private func storeMenu(_ storeID: String) async throws -> StoreMenu {
        guard let menu = try await MenuReader(deps: deps).menu(storeID: storeID) else {
            throw ServiceError.notFound("store \(storeID) not found")
        }
        return menu
    }

    func createCategory(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(CategoryBody.self, from: request)
        try Self.checkName(body.name)
        if let sortOrder = body.sortOrder { try Self.checkSortOrder(sortOrder) }
        let identity = try WriteIdentity(request, claims: claims, action: "category")
        let id = identity.resourceID("category")
        try await deps.commands.send(
            .createCategory(CreateCategory(categoryID: id, storeID: claims.storeID, name: body.name, sortOrder: body.sortOrder ?? 0)),
            id: identity.commandID)
        return try Accepted.response(id: id, location: "/api/stores/\(claims.storeID)/menus")
    }

    func createMenu(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(MenuBody.self, from: request)
        guard body.categoryID != nil else { throw ServiceError.validation("category_id: is required") }
        guard let name = body.name else { throw ServiceError.validation("name: is required") }
        guard let price = body.price else { throw ServiceError.validation("price: is required") }
        let categoryID = try body.validate(categories: try await storeMenu(claims.storeID).categories)!
        let identity = try WriteIdentity(request, claims: claims, action: "menu")
        let id = identity.resourceID("menu")
        try await deps.commands.send(
            .createMenu(
                CreateMenu(
                    menuID: id, storeID: claims.storeID, categoryID: categoryID, name: name, price: price,
                    description: body.description, imageURL: body.imageURL, isAvailable: body.isAvailable ?? true,
                    sortOrder: body.sortOrder ?? 0)),
            id: identity.commandID)
        return try Accepted.response(id: id, location: "/api/stores/\(claims.storeID)/menus")
    }

    func updateMenu(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let menu = try await storeMenu(claims.storeID)
        let menuID = try existingMenu(id, in: menu)
        let body = try await RequestBodyReader.decode(MenuBody.self, from: request)
        let categoryID = try body.validate(categories: menu.categories)
        let identity = try WriteIdentity(request, claims: claims, action: "menu-update:\(menuID)")
        try await deps.commands.send(
            .updateMenu(
                UpdateMenu(
                    menuID: menuID, storeID: claims.storeID, categoryID: categoryID, name: body.name, price: body.price,
                    description: body.description, imageURL: body.imageURL, isAvailable: body.isAvailable,
                    sortOrder: body.sortOrder)),
            id: identity.commandID)
        return try Accepted.response(id: menuID, location: "/api/stores/\(claims.storeID)/menus")
    }

    func deleteMenu(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let menuID = try existingMenu(id, in: try await storeMenu(claims.storeID))
        let identity = try WriteIdentity(request, claims: claims, action: "menu-delete:\(menuID)")
        try await deps.commands.send(.deleteMenu(DeleteMenu(menuID: menuID, storeID: claims.storeID)), id: identity.commandID)
        return try Accepted.response(id: menuID, location: nil)
    }

    private func existingMenu(_ id: String, in menu: StoreMenu) throws -> String {
        guard let uuid = UUID(uuidString: id)?.lowercased, menu.menus.contains(where: { $0.id == uuid }) else {
            throw ServiceError.notFound("menu \(id) not found")
        }
        return uuid
    }
}
