#if canImport(TableOrderBrokers)
import Foundation
import TableOrderCore
@testable import TableOrderBrokers

/// A queue bound to `table-order-events`, to see what workers republish there.
final class TopicProbe: @unchecked Sendable {
    let name = "test-probe-\(UUID().uuidString.prefix(8))"
    let connection: AMQPConnection

    init(bindingKey: String) throws {
        connection = try AMQPConnection(url: try AMQPURL(parsing: TestEnvironment.rabbitURL!))
        try connection.declareTopicExchange(Topology.eventsExchange)
        try connection.declareTransientQueue(name)
        try connection.bindQueue(name, exchange: Topology.eventsExchange, routingKey: bindingKey)
    }

    func get() throws -> [UInt8]? { try connection.basicGet(name) }

    func delete() {
        try? connection.deleteQueue(name)
        connection.close()
    }
}
#endif
