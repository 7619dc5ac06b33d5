/// An exchange, queue or binding a connection declares, idempotently, each time it connects: whichever
/// process connects first creates the topology, and a broker that lost it (a fresh node) gets it back.
public struct AMQPDeclaration: Sendable, Equatable {
    let method: AMQPMethod

    /// A durable exchange (`topic` unless told otherwise).
    public static func exchange(_ name: String, type: String = "topic", durable: Bool = true) -> AMQPDeclaration {
        AMQPDeclaration(method: .exchangeDeclare(exchange: name, type: type, durable: durable, arguments: [:]))
    }

    /// A queue with arguments (`x-queue-type`, `x-delivery-limit`, `x-dead-letter-*`, …).
    public static func queue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: AMQPTable = [:]
    ) -> AMQPDeclaration {
        AMQPDeclaration(
            method: .queueDeclare(
                queue: name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments))
    }

    /// A non-durable classic queue, for probes and tests.
    public static func transientQueue(_ name: String) -> AMQPDeclaration { .queue(name, durable: false) }

    public static func binding(queue: String, exchange: String, routingKey: String) -> AMQPDeclaration {
        AMQPDeclaration(method: .queueBind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: [:]))
    }
}
