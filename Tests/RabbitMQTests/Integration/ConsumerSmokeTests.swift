import Foundation
import NIOConcurrencyHelpers
import TableOrderCore
import Testing

@testable import TableOrderRabbitMQ

extension BrokerSmokeTests {
    @Suite struct ConsumerSmokeTests {
        /// Every confirmed message reaches the consumer while acks interleave with deliveries; bodies over
        /// the frame size arrive whole with their headers.
        @Test func everyConfirmedMessageIsDeliveredAndLargeOnesArriveWhole() async throws {
            let url = try BrokerEnvironment.url()
            let queue = "smoke-consume-\(UUID().uuidString.prefix(8))"
            let logger = BrokerEnvironment.logger("smoke")
            let publisher = AMQPPublisher(
                url: url, eventLoop: BrokerEnvironment.loop, declarations: [.transientQueue(queue)], logger: logger)
            let consumer = AMQPConsumer(
                url: url, eventLoop: BrokerEnvironment.loop, queue: queue, prefetch: 300,
                declarations: [.transientQueue(queue)], logger: logger)
            let admin = AMQPAdminConnection(url: url, eventLoop: BrokerEnvironment.loop, logger: logger)
            #expect(await BrokerEnvironment.eventually { publisher.isConnected && consumer.isConnected })
            let seen = NIOLockedValueBox<[AMQPConsumer.Delivery]>([])
            let reader = Task {
                for await delivery in consumer.deliveries {
                    seen.withLockedValue { $0.append(delivery) }
                    consumer.ack(through: delivery.tag, generation: delivery.generation)
                }
            }
            let total = 2_000
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
            let sizes = [0, 1, 131_064, 131_065, 300_001]
            let bodies = sizes.map { size in (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) } }
            for body in bodies {
                try await publisher.publish(
                    exchange: "", routingKey: queue, body: body, mandatory: true,
                    headers: [("size", String(body.count))], timeout: .seconds(10))
            }
            #expect(await BrokerEnvironment.eventually { seen.withLockedValue { $0.count } >= total + bodies.count })
            let received = seen.withLockedValue { $0 }
            #expect(
                Set(received.prefix(total).compactMap { Int(String(decoding: $0.body, as: UTF8.self)) }).count == total)
            #expect(received.suffix(bodies.count).map(\.body) == bodies)
            #expect(received.suffix(bodies.count).map { $0.headers["size"] } == sizes.map { String($0) })
            // Acked: nothing left in the queue once the consumer is gone.
            await consumer.shutdown()
            reader.cancel()
            #expect(try await admin.declareQueue(queue, durable: false) == 0)
            #expect(try await admin.deleteQueue(queue) == 0)
            await publisher.shutdown()
            await admin.close()
        }

        /// After the broker closes every connection: the publisher and the consumer reconnect by themselves;
        /// unacked deliveries come again (redelivered, new generation); an ack for the old generation is void.
        @Test func reconnectsAfterTheBrokerClosesConnectionsAndRedeliversUnacked() async throws {
            let url = try BrokerEnvironment.url()
            let queue = "smoke-reconnect-\(UUID().uuidString.prefix(8))"
            let logger = BrokerEnvironment.logger("smoke")
            let declarations: [AMQPDeclaration] = [.transientQueue(queue)]
            let publisher = AMQPPublisher(
                url: url, eventLoop: BrokerEnvironment.loop, declarations: declarations, logger: logger)
            let consumer = AMQPConsumer(
                url: url, eventLoop: BrokerEnvironment.loop, queue: queue, prefetch: 10, declarations: declarations,
                logger: logger)
            let admin = AMQPAdminConnection(url: url, eventLoop: BrokerEnvironment.loop, logger: logger)
            #expect(await BrokerEnvironment.eventually { publisher.isConnected && consumer.isConnected })
            for index in 0..<10 {
                try await publisher.publish(
                    exchange: "", routingKey: queue, body: Array("m\(index)".utf8), mandatory: true,
                    timeout: .seconds(5))
            }
            var iterator = consumer.deliveries.makeAsyncIterator()
            var first: [AMQPConsumer.Delivery] = []
            for _ in 0..<10 { first.append(try #require(await iterator.next())) }
            #expect(first.allSatisfy { $0.generation == 1 && !$0.redelivered })
            consumer.ack(through: first[4].tag, generation: 1)  // m0…m4 settled, m5…m9 not
            try await Task.sleep(for: .milliseconds(200))

            try BrokerEnvironment.rabbitmqctl(["close_all_connections", "-p", url.vhost, "test"])
            var again: [AMQPConsumer.Delivery] = []
            for _ in 0..<5 { again.append(try #require(await iterator.next())) }
            #expect(again.map { String(decoding: $0.body, as: UTF8.self) } == (5..<10).map { "m\($0)" })
            #expect(again.allSatisfy { $0.generation == 2 && $0.redelivered })
            consumer.ack(through: first[9].tag, generation: 1)  // void: the old connection's tags
            #expect(await BrokerEnvironment.eventually { publisher.isConnected })
            try await publisher.publish(
                exchange: "", routingKey: queue, body: Array("after".utf8), mandatory: true, timeout: .seconds(5))
            let after = try #require(await iterator.next())
            #expect(String(decoding: after.body, as: UTF8.self) == "after" && after.generation == 2)
            consumer.ack(through: after.tag, generation: 2)
            await consumer.shutdown()
            #expect(try await admin.deleteQueue(queue) == 0)
            await publisher.shutdown()
            await admin.close()
        }

        @Test func adminCallsAndRefusals() async throws {
            let url = try BrokerEnvironment.url()
            let logger = BrokerEnvironment.logger("smoke")
            let admin = AMQPAdminConnection(url: url, eventLoop: BrokerEnvironment.loop, logger: logger)
            let queue = "smoke-admin-\(UUID().uuidString.prefix(8))"
            let exchange = "smoke-admin-exchange"
            try await admin.declareTopicExchange(exchange)
            try await admin.declareTransientQueue(queue)
            try await admin.bindQueue(queue, exchange: exchange, routingKey: "order.*")
            #expect(try await admin.basicGet(queue) == nil)
            let publisher = AMQPPublisher(url: url, eventLoop: BrokerEnvironment.loop, logger: logger)
            #expect(await BrokerEnvironment.eventually { publisher.isConnected })
            try await publisher.publish(
                exchange: exchange, routingKey: "order.created", body: Array("hello".utf8), mandatory: true,
                timeout: .seconds(5))
            try await publisher.publish(
                exchange: exchange, routingKey: "order.created", body: Array("again".utf8), mandatory: true,
                timeout: .seconds(5))
            #expect(try await admin.basicGet(queue) == Array("hello".utf8))
            #expect(try await admin.purgeQueue(queue) == 1)
            // A refusal closes the channel; the message says why, and the next call works on a new connection.
            await #expect(throws: AMQPAdminError.self) { try await admin.purgeQueue(queue + "-missing") }
            do {
                try await admin.purgeQueue(queue + "-missing")
            } catch {
                #expect("\(error)".contains("404 NOT_FOUND"), "\(error)")
            }
            #expect(try await admin.deleteQueue(queue) == 0)
            await publisher.shutdown()
            await admin.close()
        }

        /// Wrong credentials: the broker's refusal is what `lastErrorDescription` and publishes say.
        @Test func refusedLoginIsReported() async throws {
            var url = try BrokerEnvironment.url()
            url.password = "wrong"
            let publisher = AMQPPublisher(
                url: url, eventLoop: BrokerEnvironment.loop, logger: BrokerEnvironment.logger("smoke"))
            #expect(
                await BrokerEnvironment.eventually { publisher.lastErrorDescription.contains("403") },
                "\(publisher.lastErrorDescription)")
            do {
                try await publisher.publish(
                    exchange: "", routingKey: "x", body: [], mandatory: false, timeout: .seconds(1))
                Issue.record("published without a connection")
            } catch let failure as AMQPPublisher.Failure {
                #expect(failure.code == .notConnected)
                #expect(failure.description.contains("ACCESS_REFUSED"), "\(failure)")
            }
            await publisher.shutdown()
        }
    }
}
