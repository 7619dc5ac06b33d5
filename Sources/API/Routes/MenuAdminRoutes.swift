import Foundation
import Hummingbird
import TableOrderAuth
import TableOrderCore

/// Category and menu writes of contract §5: validated here against the store's menu (through the cache),
/// applied by the worker, which invalidates the menu cache and emits `menu_changed`.
struct MenuAdminRoutes: Sendable {
    let deps: Dependencies

    /// A category's fields; `POST` requires `name`.
    struct CategoryBody: Decodable {
        var name: String?
        var sortOrder: Int?
        var translations: Translations?
        enum CodingKeys: String, CodingKey { case name, sortOrder = "sort_order", translations }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            sortOrder = try c.contains(.sortOrder) && !c.decodeNil(forKey: .sortOrder) ? c.decodeInteger(forKey: .sortOrder) : nil
            translations = try c.decodeIfPresent(Translations.self, forKey: .translations)
        }

        func validate() throws {
            if let name { try MenuAdminRoutes.checkName(name) }
            if let sortOrder { try MenuAdminRoutes.checkSortOrder(sortOrder) }
            try TranslationsBody.check(translations, name: Limits.name)
        }
    }

    /// `PATCH /api/admin/menus/{id}/availability`: at least one of the two; `stock` may be `null`.
    struct AvailabilityBody: Decodable {
        var isAvailable: Bool?
        var setsStock: Bool
        var stock: Int?
        enum CodingKeys: String, CodingKey { case isAvailable = "is_available", stock }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            isAvailable = try c.decodeIfPresent(Bool.self, forKey: .isAvailable)
            setsStock = c.contains(.stock)
            stock = try setsStock && !c.decodeNil(forKey: .stock) ? c.decodeInteger(forKey: .stock) : nil
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
        var optionGroups: [OptionGroupBody]?
        var translations: Translations?

        enum CodingKeys: String, CodingKey {
            case categoryID = "category_id", name, price, description, imageURL = "image_url"
            case isAvailable = "is_available", sortOrder = "sort_order", optionGroups = "option_groups", translations
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
            optionGroups = try c.decodeIfPresent([OptionGroupBody].self, forKey: .optionGroups)
            translations = try c.decodeIfPresent(Translations.self, forKey: .translations)
        }

        /// Range checks of contract §5 for the fields present.
        func validate(categories: [MenuCategory]) throws -> String? {
            if let name { try MenuAdminRoutes.checkName(name) }
            if let price { try Limits.price.check(price) }
            if let description { try Limits.description.check(description) }
            if let imageURL { try Limits.imageURL.check(imageURL) }
            if let sortOrder { try MenuAdminRoutes.checkSortOrder(sortOrder) }
            try TranslationsBody.check(translations, name: Limits.name, describes: true)
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
        router.patch("/api/admin/menus/:menu_id/availability") { request, context in
            try await setAvailability(request, context, id: try context.parameters.require("menu_id"))
        }
        router.put("/api/admin/categories/:category_id") { request, context in
            try await updateCategory(request, context, id: try context.parameters.require("category_id"))
        }
        router.delete("/api/admin/categories/:category_id") { request, context in
            try await deleteCategory(request, context, id: try context.parameters.require("category_id"))
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
        guard let name = body.name else { throw ServiceError.validation("name: is required") }
        try body.validate()
        let identity = try WriteIdentity(request, claims: claims, action: "category")
        let id = identity.resourceID("category")
        try await deps.commands.send(
            .createCategory(
                CreateCategory(
                    categoryID: id, storeID: claims.storeID, name: name, sortOrder: body.sortOrder ?? 0,
                    translations: body.translations)),
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
        let groups = try await optionGroups(body.optionGroups, of: id, identity: identity)
        try await deps.commands.send(
            .createMenu(
                CreateMenu(
                    menuID: id, storeID: claims.storeID, categoryID: categoryID, name: name, price: price,
                    description: body.description, imageURL: body.imageURL, isAvailable: body.isAvailable ?? true,
                    sortOrder: body.sortOrder ?? 0, optionGroups: groups, translations: body.translations)),
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
        let groups = try await optionGroups(body.optionGroups, of: menuID, identity: identity)
        try await deps.commands.send(
            .updateMenu(
                UpdateMenu(
                    menuID: menuID, storeID: claims.storeID, categoryID: categoryID, name: body.name, price: body.price,
                    description: body.description, imageURL: body.imageURL, isAvailable: body.isAvailable,
                    sortOrder: body.sortOrder, optionGroups: groups, translations: body.translations)),
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

    /// The groups with every id given, checked; 400 if an id sent is another menu's.
    private func optionGroups(_ bodies: [OptionGroupBody]?, of menuID: String, identity: WriteIdentity) async throws
        -> [OptionGroup]?
    {
        guard let bodies else { return nil }
        let (groups, ids) = try OptionGroupBody.resolve(bodies) { path in identity.resourceID("option", path) }
        for (id, owner) in try await deps.reads.optionOwners(ids: ids) where owner.lowercased != menuID {
            throw ServiceError.validation("option_groups: id \(id.lowercased) belongs to another menu")
        }
        return groups
    }

    func setAvailability(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let menuID = try existingMenu(id, in: try await storeMenu(claims.storeID))
        let body = try await RequestBodyReader.decode(AvailabilityBody.self, from: request)
        guard body.isAvailable != nil || body.setsStock else {
            throw ServiceError.validation("is_available, stock: send at least one")
        }
        if let stock = body.stock { try Limits.stock.check(stock) }
        let identity = try WriteIdentity(request, claims: claims, action: "menu-availability:\(menuID)")
        try await deps.commands.send(
            .setMenuAvailability(
                SetMenuAvailability(
                    menuID: menuID, storeID: claims.storeID, isAvailable: body.isAvailable, setsStock: body.setsStock,
                    stock: body.stock)),
            id: identity.commandID)
        return try Accepted.response(id: menuID, location: "/api/stores/\(claims.storeID)/menus")
    }

    func updateCategory(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let categoryID = try existingCategory(id, in: try await storeMenu(claims.storeID))
        let body = try await RequestBodyReader.decode(CategoryBody.self, from: request)
        try body.validate()
        let identity = try WriteIdentity(request, claims: claims, action: "category-update:\(categoryID)")
        try await deps.commands.send(
            .updateCategory(
                UpdateCategory(
                    categoryID: categoryID, storeID: claims.storeID, name: body.name, sortOrder: body.sortOrder,
                    translations: body.translations)),
            id: identity.commandID)
        return try Accepted.response(id: categoryID, location: "/api/stores/\(claims.storeID)/menus")
    }

    /// 409 while the category holds menus (the worker checks again).
    func deleteCategory(_ request: Request, _ context: AppRequestContext, id: String) async throws -> Response {
        let claims = try context.require(.admin)
        let menu = try await storeMenu(claims.storeID)
        let categoryID = try existingCategory(id, in: menu)
        let held = menu.menus.filter { $0.categoryID == categoryID }.count
        guard held == 0 else {
            throw ServiceError(.conflict, "the category still has \(held) menu\(held == 1 ? "" : "s"); move or delete them first")
        }
        let identity = try WriteIdentity(request, claims: claims, action: "category-delete:\(categoryID)")
        try await deps.commands.send(
            .deleteCategory(DeleteCategory(categoryID: categoryID, storeID: claims.storeID)), id: identity.commandID)
        return try Accepted.response(id: categoryID, location: nil)
    }

    private func existingCategory(_ id: String, in menu: StoreMenu) throws -> String {
        guard let uuid = UUID(uuidString: id)?.lowercased, menu.categories.contains(where: { $0.id == uuid }) else {
            throw ServiceError.notFound("category \(id) not found")
        }
        return uuid
    }

    private func existingMenu(_ id: String, in menu: StoreMenu) throws -> String {
        guard let uuid = UUID(uuidString: id)?.lowercased, menu.menus.contains(where: { $0.id == uuid }) else {
            throw ServiceError.notFound("menu \(id) not found")
        }
        return uuid
    }
}
