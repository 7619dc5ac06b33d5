import Foundation

/// An API or worker process started by a test, with its output kept in a log file.
final class ManagedProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String
    let name: String

    init(name: String, executable: String, arguments: [String] = [], environment: [String: String]) throws {
        self.name = name
        logPath = NSTemporaryDirectory() + "tableorder-\(name)-\(UUID().uuidString.prefix(8)).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM without waiting (the process drains and exits by itself).
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
    }

    /// SIGTERM, then waits (off the cooperative pool) until it exited; returns its exit status.
    @discardableResult
    func stop() async -> Int32 {
        terminate()
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { kill() }
}
