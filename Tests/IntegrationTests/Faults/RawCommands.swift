#if canImport(TableOrderRabbitMQ)
import Foundation
import Logging
import TableOrderCore
import TableOrderRabbitMQ

/// Puts bytes on the command queue as an API would (for poison messages), and counts dead letters.
enum RawCommands {
    static func publish(_ body: [UInt8]) async throws {
        let url = try BrokerClients.amqpURL()
        let bus = RabbitMQEventBus(url: url, security: try BrokerClients.security(tls: url.tls), logger: Logger(label: "test"))
        defer { Task { await bus.shutdown() } }
        _ = await bus.waitUntilConnected(timeout: .seconds(30))
        try await PublishRetryPolicy(attempts: 5, budget: .seconds(10)).run { timeout in
            try await bus.sendCommand(body, headers: [], timeout: timeout)
        }
    }

    /// Messages in `tableorder.commands.dead` of the test vhost.
    static func deadLetterCount() async throws -> Int {
        let url = try AMQPURL(parsing: TestEnvironment.rabbitURL!)
        let result = try await TestEnvironment.run(
            "/usr/sbin/rabbitmqctl",
            ["-q", "-n", TestEnvironment.env["TO_RABBIT_NODE"] ?? "rabbit@localhost", "list_queues", "-p", url.vhost,
             "name", "messages"])
        for line in result.out.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count == 2, fields[0] == Topology.deadLetterQueue { return Int(fields[1]) ?? 0 }
        }
        return 0
    }
}
#endif
