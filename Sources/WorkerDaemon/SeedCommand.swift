import ArgumentParser
import Logging
import TableOrderCore
import TableOrderStorage

struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Creates or updates a store, its admin, its tables and optionally a demo menu.")

    @Option(name: .customLong("store-id")) var storeID: String
    @Option(name: .customLong("store-name")) var storeName: String
    @Option(name: .customLong("admin-username")) var adminUsername: String
    @Option(name: .customLong("admin-password")) var adminPassword: String
    @Option(name: .customLong("tables")) var tables: Int
    @Option(name: .customLong("table-password")) var tablePassword: String
    @Flag(name: .customLong("demo-menu")) var demoMenu = false
    @Option(
        name: .customLong("timezone"),
        help: "The store's IANA time zone, by whose days sales are counted (a new store: Asia/Seoul; else kept).")
    var timeZone: String?

    func run() async throws {
        let settings = loadSettings()
        let plan: SeedPlan
        do {
            plan = try SeedPlan(
                storeID: storeID, storeName: storeName, adminUsername: adminUsername, adminPassword: adminPassword,
                tableCount: tables, tablePassword: tablePassword, demoMenu: demoMenu, timeZone: timeZone)
        } catch {
            configurationFailure(error)
        }
        try await withStore(settings, logger: Logger(label: "tableorder-seed")) { store in
            _ = try await store.engine.migrate()
            try await store.seed(plan)
        }
        print(
            "seeded store \(plan.storeID): admin \(plan.adminUsername), tables 1..\(plan.tables.count), "
                + "\(plan.categories.count) categories, \(plan.menus.count) menus")
    }
}
