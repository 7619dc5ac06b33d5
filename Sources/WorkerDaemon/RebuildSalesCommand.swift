import ArgumentParser
import Logging
import TableOrderCore
import TableOrderStorage

/// Recomputes the sales rollup (schema version 6) from the orders. Every write keeps it in step; this is
/// for what was written without it: orders stored by workers of an older version still running after the
/// migration (a rolling upgrade), or rows written by hand.
struct RebuildSalesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-sales",
        abstract: "Recomputes the sales report's rollup from the stored orders (after a rolling upgrade to schema 6).")

    @Option(help: "Only this store (default: every store).")
    var store: String?

    func run() async throws {
        let settings = loadSettings()
        let rebuilt = try await withStore(settings, logger: Logger(label: "tableorder-rebuild-sales")) { store in
            var ids = self.store.map { [$0] } ?? []
            if ids.isEmpty {
                ids = try await store.engine.query("SELECT id FROM stores ORDER BY id", []).map { try $0.string(0) }
            }
            for id in ids { try await store.rebuildSales(storeID: id) }
            return ids.count
        }
        print("sales rollup: rebuilt for \(rebuilt) store(s)")
    }
}
