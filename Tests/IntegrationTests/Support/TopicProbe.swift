#if canImport(TableOrderRabbitMQ)
import Foundation
import TableOrderCore
import TableOrderRabbitMQ

/// A queue bound to `table-order-events`, to see what workers republish there.
final class TopicProbe: Sendable {
    let name = "test-probe-\(UUID().uuidString.prefix(8))"
    let connection: AMQPAdminConnection

    init(bindingKey: String) async throws {
        connection = try BrokerClients.admin("test-probe")
        try await connection.declareTopicExchange(Topology.eventsExchange)
        try await connection.declareTransientQueue(name)
        try await connection.bindQueue(name, exchange: Topology.eventsExchange, routingKey: bindingKey)
    }

    func get() async throws -> [UInt8]? { try await connection.basicGet(name) }

    func delete() async {
        _ = try? await connection.deleteQueue(name)
        await connection.close()
    }
}
#endif
