#if canImport(TableOrderRabbitMQ)
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import Testing
import TableOrderCore
import TableOrderRabbitMQ

/// The RabbitMQ consumer and publisher against the real broker: every delivery handed over while acks
/// interleave, frames split and joined, and an unroutable message refused.
@Suite(.enabled(if: try TestEnvironment.requires(.services), "run through ops/test.sh (needs the real services)"))
struct ConsumerTests {
    /// A fresh transient queue with a consumer and a publisher on it.
    static func pair(name: String, prefetch: UInt16) async throws -> (queue: String, AMQPConsumer, AMQPPublisher) {
        let url = try BrokerClients.amqpURL()
        let security = try BrokerClients.security(tls: url.tls)
        let queue = "\(name)-\(UUID().uuidString.prefix(8))"
        let logger = Logger(label: name)
        let loops = MultiThreadedEventLoopGroup.singleton
        let consumer = AMQPConsumer(
            name: name, url: url, security: security, eventLoop: loops.next(), queue: queue, prefetch: prefetch,
            declarations: [.transientQueue(queue)], logger: logger)
        let publisher = AMQPPublisher(
            name: name, url: url, security: security, eventLoop: loops.next(), declarations: [.transientQueue(queue)],
            logger: logger)
        // A publish before the connection is up is refused at once (the API answers 503): wait for it.
        #expect(await publisher.waitUntilConnected(timeout: .seconds(30)))
        return (queue, consumer, publisher)
    }

    /// Each delivery is acked at once, so settlements are written while messages keep arriving. (The
    /// thread-based consumer this replaced once swallowed a delivery on such a wake-up, and the next
    /// `multiple` ack settled it unseen: found by `ops/bench.sh`, ~1 in 1,000 orders.)
    @Test func everyPublishedMessageIsDeliveredWhileAcksInterleave() async throws {
        let (queue, consumer, publisher) = try await Self.pair(name: "test-consumer", prefetch: 300)
        let total = 4_000
        let seen = NIOLockedValueBox(Set<Int>())
        let reader = Task {
            for await delivery in consumer.deliveries {
                if let index = Int(String(decoding: delivery.body, as: UTF8.self)) {
                    _ = seen.withLockedValue { $0.insert(index) }
                }
                consumer.ack(through: delivery.tag, generation: delivery.generation)
            }
        }
        // A few publishers in step with their confirms: a steady stream, not one burst.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                group.addTask {
                    for index in stride(from: lane, to: total, by: 4) {
                        try await publisher.publish(
                            exchange: "", routingKey: queue, body: Array(String(index).utf8), mandatory: true,
                            timeout: .seconds(10))
                    }
                }
            }
            try await group.waitForAll()
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while seen.withLockedValue({ $0.count }) < total, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let missing = total - seen.withLockedValue { $0.count }
        #expect(missing == 0, "\(missing) confirmed messages never reached the consumer")
        reader.cancel()
        await consumer.shutdown()
        await publisher.shutdown()
    }

    /// A body over the negotiated frame size is split into several body frames and joined again, headers
    /// survive, and a `mandatory` message no queue takes is refused rather than confirmed.
    @Test func largeMessagesArriveWholeAndUnroutableOnesAreRefused() async throws {
        let (queue, consumer, publisher) = try await Self.pair(name: "test-frames", prefetch: 10)
        let sizes = [0, 1, 131_064, 131_065, 300_001]  // around the default frame size of 131,072 bytes
        let bodies = sizes.map { size in (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) } }
        for body in bodies {
            try await publisher.publish(
                exchange: "", routingKey: queue, body: body, mandatory: true, headers: [("size", String(body.count))],
                timeout: .seconds(10))
        }
        await #expect(throws: AMQPPublisher.Failure.self) {
            try await publisher.publish(
                exchange: "", routingKey: queue + "-nobody", body: [1], mandatory: true, timeout: .seconds(10))
        }
        let deliveries = NIOLockedValueBox<[AMQPConsumer.Delivery]>([])
        let reader = Task {
            for await delivery in consumer.deliveries {
                deliveries.withLockedValue { $0.append(delivery) }
                consumer.ack(through: delivery.tag, generation: delivery.generation)
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while deliveries.withLockedValue({ $0.count }) < bodies.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let received = deliveries.withLockedValue { $0 }
        #expect(received.map(\.body) == bodies)
        #expect(received.map { $0.headers["size"] } == sizes.map { String($0) })
        reader.cancel()
        await consumer.shutdown()
        await publisher.shutdown()
    }
}
#endif
