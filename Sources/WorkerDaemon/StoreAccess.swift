import Logging
import TableOrderCore
import TableOrderStorage

/// The database `migrate` and `seed` work on: PostgreSQL when `DATABASE_URL` is set, else development
/// mode's SQLite file (`TABLEORDER_SQLITE_PATH`).
func withStore<T: Sendable>(_ settings: Settings, logger: Logger, _ body: @Sendable (SQLStore) async throws -> T)
    async throws -> T
{
    if let url = settings.database {
        let postgres = PostgresEngine(url: url, trustRootsFile: settings.tlsCAFile, logger: logger, maximumConnections: 1)
        return try await postgres.whileRunning { try await body(SQLStore(engine: postgres)) }
    }
    let sqlite = try await SQLiteEngine.open(path: settings.sqlitePath, logger: logger)
    do {
        let result = try await body(SQLStore(engine: sqlite))
        await sqlite.close()
        return result
    } catch {
        await sqlite.close()
        throw error
    }
}
