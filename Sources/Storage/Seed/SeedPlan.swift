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
    /// IANA name; the store's sales are counted by its days and hours. `nil`: a new store's is Asia/Seoul,
    /// an existing store keeps its own.
    public var timeZone: String?
    public var adminUsername: String
    public var admin: Account
    public var tables: [Table]
    public var categories: [MenuCategory]
    public var menus: [MenuItem]

    public init(
        storeID: String, storeName: String, adminUsername: String, adminPassword: String, tableCount: Int,
        tablePassword: String, demoMenu: Bool, timeZone: String? = nil
    ) throws {
        if let timeZone, !(timeZone.contains("/") || timeZone == "UTC") || TimeZone(identifier: timeZone) == nil {
            throw ConfigurationError("--timezone", "an IANA time zone name such as Asia/Seoul")
        }
        self.timeZone = timeZone
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

    /// The demo menu: names in Korean with English translations, option groups on a few dishes (a spice
    /// level and extras, none required, so an order without options is still whole) and one dish counted
    /// in portions. Ids follow from the English names, as they did before the menu had translations.
    static func demoMenu(storeID: String) -> ([MenuCategory], [MenuItem]) {
        typealias Dish = (key: String, name: String, price: Int, description: String, english: String, groups: [String])
        let catalogue: [(key: String, name: String, dishes: [Dish])] = [
            (
                "Mains", "식사", [
                    ("Bibimbap", "비빔밥", 11000, "채소, 소고기, 고추장을 올린 밥", "Rice with vegetables, beef and gochujang", ["spice", "extras"]),
                    ("Kimchi Jjigae", "김치찌개", 9500, "돼지고기와 두부를 넣은 김치찌개", "Kimchi stew with pork and tofu", ["spice"]),
                    ("Bulgogi", "불고기", 15000, "양념해 구운 소고기", "Marinated grilled beef", ["extras"]),
                ]
            ),
            (
                "Sides", "곁들임", [
                    ("Japchae", "잡채", 8000, "볶은 당면", "Stir-fried glass noodles", []),
                    ("Pajeon", "파전", 12000, "파를 넣은 부침개", "Scallion pancake", []),
                    ("Tteokbokki", "떡볶이", 7000, "매콤한 떡볶이", "Spicy rice cakes", ["spice"]),
                ]
            ),
            (
                "Drinks", "음료", [
                    ("Sikhye", "식혜", 3000, "달콤한 쌀 음료", "Sweet rice drink", []),
                    ("Barley Tea", "보리차", 2000, "볶은 보리로 우린 차", "Roasted barley tea", []),
                    ("Makgeolli", "막걸리", 6000, "쌀 막걸리, 750 ml", "Rice wine, 750 ml", []),
                ]
            ),
            (
                "Specials", "오늘의 특선", [
                    ("Galbi-jjim", "갈비찜", 28000, "하루 10인분만 준비하는 소갈비찜", "Braised short ribs, ten portions a day", []),
                ]
            ),
        ]
        let english = ["Mains": "Mains", "Sides": "Sides", "Drinks": "Drinks", "Specials": "Today's special"]
        var categories: [MenuCategory] = []
        var menus: [MenuItem] = []
        for (categoryIndex, category) in catalogue.enumerated() {
            let categoryID = DeterministicID.make("category", storeID, category.key).lowercased
            categories.append(
                MenuCategory(
                    id: categoryID, name: category.name, sortOrder: categoryIndex,
                    translations: ["en": Translation(name: english[category.key]!)]))
            for (dishIndex, dish) in category.dishes.enumerated() {
                let menuID = DeterministicID.make("menu", storeID, category.key, dish.key).lowercased
                menus.append(
                    MenuItem(
                        id: menuID, categoryID: categoryID, name: dish.name, price: dish.price,
                        description: dish.description, imageURL: nil, isAvailable: true, sortOrder: dishIndex,
                        optionGroups: dish.groups.enumerated().map { demoGroup($1, sortOrder: $0, menuID: menuID) },
                        stock: dish.key == "Galbi-jjim" ? 10 : nil,
                        translations: ["en": Translation(name: dish.key, description: dish.english)]))
            }
        }
        return (categories, menus)
    }

    private static func demoGroup(_ kind: String, sortOrder: Int, menuID: String) -> OptionGroup {
        func option(_ key: String, _ name: String, _ delta: Int) -> MenuOption {
            MenuOption(
                id: DeterministicID.make("option", menuID, kind, key).lowercased, name: name, priceDelta: delta,
                translations: ["en": Translation(name: key)])
        }
        let id = DeterministicID.make("option-group", menuID, kind).lowercased
        switch kind {
        case "spice":
            return OptionGroup(
                id: id, name: "맵기", minSelect: 0, maxSelect: 1, sortOrder: sortOrder,
                options: [option("Mild", "순한 맛", 0), option("Medium", "보통", 0), option("Hot", "매운 맛", 0)],
                translations: ["en": Translation(name: "Spice level")])
        default:
            return OptionGroup(
                id: id, name: "추가", minSelect: 0, maxSelect: 3, sortOrder: sortOrder,
                options: [option("Fried egg", "계란 프라이", 1000), option("Extra meat", "고기 추가", 3000), option("Cheese", "치즈", 1500)],
                translations: ["en": Translation(name: "Extras")])
        }
    }
}
