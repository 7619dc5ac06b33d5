import ArgumentParser
import Logging
import TableOrderCore
import TableOrderStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Applies database migrations (idempotent, safe from several pods at once).")

    func run() async throws {
        let settings = loadSettings()
        let applied = try await withStore(settings, logger: Logger(label: "tableorder-migrate")) { store in
            try await store.engine.migrate()
        }
        print(applied.isEmpty ? "migrations: up to date" : "migrations: applied \(applied.map(String.init).joined(separator: ", "))")
    }
}
