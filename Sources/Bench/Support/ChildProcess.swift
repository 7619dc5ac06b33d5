import Foundation
import TableOrderProcesses

#if canImport(Glibc)
import Glibc
#endif

/// A process the benchmark starts (the API, a worker, wrk, …), its output kept in a log file so a failed
/// run can be diagnosed after the fact.
final class ChildProcess: Sendable {
    let name: String
    let logPath: String
    private let process: Spawned

    init(name: String, executable: String, arguments: [String] = [], environment: [String: String], logDirectory: String)
        async throws
    {
        self.name = name
        self.logPath = "\(logDirectory)/\(name).log"
        try? FileManager.default.removeItem(atPath: logPath)  // the log is this process's alone
        process = try await Spawned(executable, arguments, environment: environment, output: logPath)
    }

    var pid: pid_t { process.pid }

    var isRunning: Bool { process.isRunning }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit; returns its status (128 + signal when killed).
    func exit() async -> Int32 { await process.exit() }

    /// SIGTERM, then waits for the exit (SIGKILL after `grace`).
    func stop(grace: Duration = .seconds(15)) async {
        guard isRunning else { return }
        process.signal(SIGTERM)
        let killed = Task {
            try await Task.sleep(for: grace)
            process.signal(SIGKILL)
        }
        _ = await exit()
        killed.cancel()
    }

    /// Runs a command to its end; returns its exit status and everything it printed.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], logDirectory: String)
        async throws -> (status: Int32, output: String)
    {
        let name = URL(fileURLWithPath: executable).lastPathComponent + "-" + UUID().uuidString.prefix(6)
        let child = try await ChildProcess(
            name: name, executable: executable, arguments: arguments, environment: environment,
            logDirectory: logDirectory)
        let status = await child.exit()
        return (status, child.output)
    }
}
