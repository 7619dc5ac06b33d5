import ArgumentParser
import Foundation
import Logging
import TableOrderCore

/// `tableorder-worker`: the command consumer daemon, and the `migrate` and `seed` tools.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tableorder-worker",
        abstract: "Consumes write commands, persists them, invalidates caches and republishes events.",
        subcommands: [RunCommand.self, MigrateCommand.self, SeedCommand.self, RebuildSalesCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Settings and logging, or a one-line message naming the bad variable and exit code 2.
func loadSettings() -> Settings {
    do {
        let settings = try Settings()
        LogFormat.bootstrap(settings.logFormat, level: settings.logLevel)
        return settings
    } catch {
        configurationFailure(error)
    }
}

func configurationFailure(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
