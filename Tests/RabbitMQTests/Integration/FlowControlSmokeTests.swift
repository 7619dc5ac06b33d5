import Foundation
import TableOrderCore
import Testing

@testable import TableOrderRabbitMQ

extension BrokerSmokeTests {
    /// A memory alarm on the real broker: publishes fail at once with `.blocked`, then work again.
    /// The alarm affects the whole node for a moment; the watermark is restored whatever happens.
    @Suite struct FlowControlSmokeTests {
        @Test func memoryAlarmRefusesPublishesAtOnceThenClears() async throws {
            let url = try BrokerEnvironment.url()
            let queue = "smoke-alarm-\(UUID().uuidString.prefix(8))"
            let publisher = AMQPPublisher(
                url: url, eventLoop: BrokerEnvironment.loop, declarations: [.transientQueue(queue)],
                logger: BrokerEnvironment.logger("smoke"))
            let admin = AMQPAdminConnection(
                url: url, eventLoop: BrokerEnvironment.loop, logger: BrokerEnvironment.logger("smoke"))
            #expect(await BrokerEnvironment.eventually { publisher.isConnected })
            try await publisher.publish(
                exchange: "", routingKey: queue, body: [1], mandatory: true, timeout: .seconds(5))

            try BrokerEnvironment.rabbitmqctl(["set_vm_memory_high_watermark", "0.0000001"])
            var restored = false
            defer { if !restored { _ = try? BrokerEnvironment.rabbitmqctl(["set_vm_memory_high_watermark", "0.4"]) } }
            // RabbitMQ tells a connection it is blocked when its next publish arrives: that publish fails
            // with `.blocked` as soon as the notification does. Its deadline is far off, so a publish that
            // waited for it would fail `.timedOut` instead: the failure's kind says it did not wait.
            await #expect(throws: AMQPPublisher.Failure.blocked("low on memory")) {
                try await publisher.publish(
                    exchange: "", routingKey: queue, body: [2], mandatory: true, timeout: .seconds(60))
            }
            #expect(publisher.isBlocked)
            // Then every publish is refused without being sent.
            for _ in 0..<10 {
                await #expect(throws: AMQPPublisher.Failure.blocked("low on memory")) {
                    try await publisher.publish(
                        exchange: "", routingKey: queue, body: [2], mandatory: true, timeout: .seconds(60))
                }
            }

            try BrokerEnvironment.rabbitmqctl(["set_vm_memory_high_watermark", "0.4"])
            restored = true
            #expect(await BrokerEnvironment.eventually { !publisher.isBlocked })
            try await publisher.publish(
                exchange: "", routingKey: queue, body: [3], mandatory: true, timeout: .seconds(5))
            // The publish in flight when the broker blocked was taken once the alarm cleared.
            #expect(try await admin.deleteQueue(queue) == 3)
            await publisher.shutdown()
            await admin.close()
        }
    }
}
