import Foundation
import Logging
import NIOCore
import NIOPosix
import TableOrderCore
import Testing

/// The smoke tests against the real broker, one at a time: the memory alarm and the forced closes they
/// cause reach every connection of the vhost (the alarm, the whole node).
@Suite(
    .serialized,
    .enabled(
        if: BrokerEnvironment.enabled, "set TABLEORDER_INTEGRATION=1 and RABBITMQ_URL to run against a real broker"))
struct BrokerSmokeTests {}

/// The real broker for the smoke tests: `TABLEORDER_INTEGRATION=1` with `RABBITMQ_URL` (a vhost of the
/// test's own) and `TO_RABBIT_NODE` (for `rabbitmqctl -n`). Without the switch the suites are skipped;
/// with it, a missing URL fails them.
enum BrokerEnvironment {
    static let env = ProcessInfo.processInfo.environment
    static var enabled: Bool { env["TABLEORDER_INTEGRATION"] == "1" }

    static func url() throws -> AMQPURL {
        guard let text = env["RABBITMQ_URL"] else { throw MissingSetting("RABBITMQ_URL") }
        return try AMQPURL(parsing: text)
    }

    static var node: String { env["TO_RABBIT_NODE"] ?? "rabbit@localhost" }

    static var loop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }

    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = env["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// Runs `rabbitmqctl -n NODE arguments…`; returns its standard output.
    @discardableResult
    static func rabbitmqctl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmqctl")
        process.arguments = ["-q", "-n", node] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw MissingSetting("rabbitmqctl \(arguments): \(text)") }
        return text
    }

    struct MissingSetting: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows
        -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}
