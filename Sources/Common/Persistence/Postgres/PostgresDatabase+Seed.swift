import Foundation
import PostgresNIO

extension PostgresDatabase {
    /// Writes the plan: inserts what is missing, updates names and passwords of what exists.
    public func seed(_ plan: SeedPlan) async throws {
        try await client.withTransaction(logger: logger) { c in
            try await c.query(
                """
                INSERT INTO stores (id, name) VALUES (\(plan.storeID), \(plan.storeName))
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name
                """, logger: logger)
            try await c.query(
                """
                INSERT INTO admins (id, store_id, username, password_hash)
                VALUES (\(plan.admin.id), \(plan.storeID), \(plan.adminUsername), \(plan.admin.passwordHash))
                ON CONFLICT (store_id, username) DO UPDATE SET password_hash = EXCLUDED.password_hash
                """, logger: logger)
            for table in plan.tables {
                try await c.query(
                    """
                    INSERT INTO dining_tables (id, store_id, table_number, password_hash)
                    VALUES (\(table.id), \(plan.storeID), \(table.number), \(table.passwordHash))
                    ON CONFLICT (store_id, table_number) DO UPDATE SET password_hash = EXCLUDED.password_hash
                    """, logger: logger)
            }
            for category in plan.categories {
                try await c.query(
                    """
                    INSERT INTO categories (id, store_id, name, sort_order)
                    VALUES (\(UUID(uuidString: category.id)!), \(plan.storeID), \(category.name), \(category.sortOrder))
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, sort_order = EXCLUDED.sort_order,
                        deleted_at = NULL
                    """, logger: logger)
            }
            for menu in plan.menus {
                try await c.query(
                    """
                    INSERT INTO menus (id, store_id, category_id, name, price, description, image_url, is_available,
                                       sort_order)
                    VALUES (\(UUID(uuidString: menu.id)!), \(plan.storeID), \(UUID(uuidString: menu.categoryID)!),
                            \(menu.name), \(menu.price), \(menu.description), \(menu.imageURL), \(menu.isAvailable),
                            \(menu.sortOrder))
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price,
                        description = EXCLUDED.description, is_available = EXCLUDED.is_available,
                        sort_order = EXCLUDED.sort_order, deleted_at = NULL
                    """, logger: logger)
            }
        }
    }
}
