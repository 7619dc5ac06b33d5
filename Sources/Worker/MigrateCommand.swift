import ArgumentParser
import Logging
import TableOrderCommon

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Applies database migrations (idempotent, safe from several pods at once).")

    func run() async throws {
        let settings = loadSettings()
        let url: PostgresURL
        do { url = try settings.requireDatabase() } catch { configurationFailure(error) }
        let logger = Logger(label: "tableorder-migrate")
        let database = PostgresEngine(url: url, logger: logger, maximumConnections: 1)
        try await database.whileRunning {
            let applied = try await database.migrate()
            print(applied.isEmpty ? "migrations: up to date" : "migrations: applied \(applied.map(String.init).joined(separator: ", "))")
        }
    }
}
