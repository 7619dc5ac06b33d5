import Foundation
import Logging
import NIOCore
import TableOrderCore
import Testing

@testable import TableOrderRabbitMQ

extension BrokerSmokeTests {
    @Suite struct PublisherSmokeTests {
        /// 1,000 publishes at once are all confirmed, and all in the queue; a `mandatory` one no queue
        /// takes is refused.
        @Test func thousandConcurrentPublishesAreConfirmed() async throws {
            let url = try BrokerEnvironment.url()
            let queue = "smoke-confirms-\(UUID().uuidString.prefix(8))"
            let publisher = AMQPPublisher(
                url: url, eventLoop: BrokerEnvironment.loop, declarations: [.transientQueue(queue)],
                logger: BrokerEnvironment.logger("smoke"))
            #expect(await BrokerEnvironment.eventually { publisher.isConnected }, "\(publisher.lastErrorDescription)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1_000 {
                    group.addTask {
                        try await publisher.publish(
                            exchange: "", routingKey: queue, body: Array("\(index)".utf8), mandatory: true,
                            timeout: .seconds(10))
                    }
                }
                try await group.waitForAll()
            }
            await #expect(throws: AMQPPublisher.Failure.unroutable) {
                try await publisher.publish(
                    exchange: "", routingKey: queue + "-nobody", body: [1], mandatory: true, timeout: .seconds(5))
            }
            let admin = AMQPAdminConnection(
                url: url, eventLoop: BrokerEnvironment.loop, logger: BrokerEnvironment.logger("smoke"))
            #expect(try await admin.deleteQueue(queue) == 1_000)
            await publisher.shutdown()
            await admin.close()
        }
    }
}
