import Foundation
import TableOrderCore

extension SQLStore {
    /// Writes the plan: inserts what is missing, updates names and passwords of what exists.
    public func seed(_ plan: SeedPlan) async throws {
        try await engine.transaction { c in
            try await c.execute(
                """
                INSERT INTO stores (id, name, timezone) VALUES (?, ?, coalesce(?, 'Asia/Seoul'))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = coalesce(?, stores.timezone)
                """, [.text(plan.storeID), .text(plan.storeName), .optional(plan.timeZone), .optional(plan.timeZone)])
            try await c.execute(
                """
                INSERT INTO admins (id, store_id, username, password_hash) VALUES (?, ?, ?, ?)
                ON CONFLICT (store_id, username) DO UPDATE SET password_hash = excluded.password_hash
                """, [.uuid(plan.admin.id), .text(plan.storeID), .text(plan.adminUsername), .text(plan.admin.passwordHash)])
            let writer = SQLWriteTransaction(connection: c, dialect: engine.dialect)
            for table in plan.tables {
                try await writer.upsertTable(
                    storeID: plan.storeID, tableID: table.id, number: table.number, passwordHash: table.passwordHash)
            }
            for category in plan.categories {
                try await c.execute(
                    """
                    INSERT INTO categories (id, store_id, name, sort_order, translations) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, sort_order = excluded.sort_order,
                        translations = excluded.translations, deleted_at = NULL
                    """,
                    [
                        .uuid(UUID(uuidString: category.id)!), .text(plan.storeID), .text(category.name),
                        .int(category.sortOrder), try Self.json(category.translations),
                    ])
            }
            for menu in plan.menus {
                try await c.execute(
                    """
                    INSERT INTO menus (id, store_id, category_id, name, price, description, image_url, is_available, sort_order,
                                       option_groups, stock, translations)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price,
                        description = excluded.description, is_available = excluded.is_available,
                        sort_order = excluded.sort_order, option_groups = excluded.option_groups, stock = excluded.stock,
                        translations = excluded.translations, deleted_at = NULL
                    """,
                    [
                        .uuid(UUID(uuidString: menu.id)!), .text(plan.storeID), .uuid(UUID(uuidString: menu.categoryID)!),
                        .text(menu.name), .int(menu.price), .optional(menu.description), .optional(menu.imageURL),
                        .bool(menu.isAvailable), .int(menu.sortOrder), try Self.json(menu.optionGroups),
                        .optional(menu.stock), try Self.json(menu.translations),
                    ])
                let optionIDs = menu.optionGroups.flatMap { group in [group.id] + group.options.map(\.id) }
                guard try await writer.claimOptionIDs(
                    storeID: plan.storeID, menuID: UUID(uuidString: menu.id)!, ids: optionIDs.compactMap(UUID.init(uuidString:)))
                else { throw CommandRejection("an option id of the demo menu is another menu's") }
            }
        }
    }
}
