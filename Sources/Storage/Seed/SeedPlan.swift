import Foundation
import TableOrderCore

/// What `tableorder-worker seed` (and development mode's first start) writes, with every id derived
/// from names so that seeding again updates rows in place and changes no id.
public struct SeedPlan: Sendable {
    public struct Account: Sendable {
        public var id: UUID
        public var passwordHash: String
    }

    public struct Table: Sendable {
        public var id: UUID
        public var number: Int
        public var passwordHash: String
    }

    public var storeID: String
    public var storeName: String
    public var adminUsername: String
    public var admin: Account
    public var tables: [Table]
    public var categories: [MenuCategory]
    public var menus: [MenuItem]

    public init(
        storeID: String, storeName: String, adminUsername: String, adminPassword: String, tableCount: Int,
        tablePassword: String, demoMenu: Bool
    ) throws {
        guard StoreID.isValid(storeID) else { throw ConfigurationError("--store-id", "must match ^[a-z0-9][a-z0-9-]{0,31}$") }
        guard !storeName.isEmpty, storeName.count <= 100 else { throw ConfigurationError("--store-name", "1..100 characters") }
        guard !adminUsername.isEmpty, adminUsername.count <= 100 else {
            throw ConfigurationError("--admin-username", "1..100 characters")
        }
        guard adminPassword.count >= 4 else { throw ConfigurationError("--admin-password", "at least 4 characters") }
        guard tablePassword.count >= 4 else { throw ConfigurationError("--table-password", "at least 4 characters") }
        guard (0...500).contains(tableCount) else { throw ConfigurationError("--tables", "0..500") }
        self.storeID = storeID
        self.storeName = storeName
        self.adminUsername = adminUsername
        self.admin = Account(
            id: DeterministicID.make("admin", storeID, adminUsername),
            passwordHash: try PasswordHasher.hash(adminPassword))
        self.tables = try (0..<tableCount).map { index in
            Table(
                id: DeterministicID.make("table", storeID, String(index + 1)), number: index + 1,
                passwordHash: try PasswordHasher.hash(tablePassword))
        }
        (categories, menus) = demoMenu ? Self.demoMenu(storeID: storeID) : ([], [])
    }

    static func demoMenu(storeID: String) -> ([MenuCategory], [MenuItem]) {
        let catalogue: [(String, [(String, Int, String)])] = [
            (
                "Mains", [
                    ("Bibimbap", 11000, "Rice with vegetables, beef and gochujang"),
                    ("Kimchi Jjigae", 9500, "Kimchi stew with pork and tofu"),
                    ("Bulgogi", 15000, "Marinated grilled beef"),
                ]
            ),
            (
                "Sides", [
                    ("Japchae", 8000, "Stir-fried glass noodles"),
                    ("Pajeon", 12000, "Scallion pancake"),
                    ("Tteokbokki", 7000, "Spicy rice cakes"),
                ]
            ),
            (
                "Drinks", [
                    ("Sikhye", 3000, "Sweet rice drink"),
                    ("Barley Tea", 2000, "Roasted barley tea"),
                    ("Makgeolli", 6000, "Rice wine, 750 ml"),
                ]
            ),
        ]
        var categories: [MenuCategory] = []
        var menus: [MenuItem] = []
        for (categoryIndex, (categoryName, items)) in catalogue.enumerated() {
            let categoryID = DeterministicID.make("category", storeID, categoryName).lowercased
            categories.append(MenuCategory(id: categoryID, name: categoryName, sortOrder: categoryIndex))
            for (itemIndex, (name, price, description)) in items.enumerated() {
                menus.append(
                    MenuItem(
                        id: DeterministicID.make("menu", storeID, categoryName, name).lowercased,
                        categoryID: categoryID, name: name, price: price, description: description, imageURL: nil,
                        isAvailable: true, sortOrder: itemIndex))
            }
        }
        return (categories, menus)
    }
}
