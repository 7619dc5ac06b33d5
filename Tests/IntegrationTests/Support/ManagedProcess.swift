import Foundation
import TableOrderProcesses

/// An API or worker process started by a test, with its output kept in a log file.
final class ManagedProcess: @unchecked Sendable {
    let process: Spawned
    let logPath: String
    let name: String

    init(name: String, executable: String, arguments: [String] = [], environment: [String: String]) async throws {
        self.name = name
        logPath = NSTemporaryDirectory() + "tableorder-\(name)-\(UUID().uuidString.prefix(8)).log"
        process = try await Spawned(executable, arguments, environment: environment, output: logPath)
    }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM without waiting (the process drains and exits by itself).
    func terminate() { process.signal(SIGTERM) }

    /// SIGTERM, then waits until it exited; returns its exit status.
    @discardableResult
    func stop() async -> Int32 {
        terminate()
        return await process.exit()
    }

    func kill() { process.signal(SIGKILL) }

    /// Waits until it exited (however it ends); returns its exit status.
    @discardableResult
    func exited() async -> Int32 { await process.exit() }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { kill() }
}
