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

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { kill() }
}
