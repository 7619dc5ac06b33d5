import Foundation
import TableOrderCore
import Testing

@testable import TableOrderRabbitMQ

extension BrokerSmokeTests {
    /// The production bus on the real broker: its topology (quorum command queue with a delivery limit
    /// and dead-lettering) declares, commands go round, a dead-lettered one lands in the dead-letter queue.
    @Suite struct EventBusSmokeTests {
        @Test func commandsGoRoundAndDeadLettersLandInTheirQueue() async throws {
            let url = try BrokerEnvironment.url()
            let logger = BrokerEnvironment.logger("smoke")
            let admin = AMQPAdminConnection(url: url, eventLoop: BrokerEnvironment.loop, logger: logger)
            let bus = RabbitMQEventBus(url: url, logger: logger)
            #expect(await bus.waitUntilConnected())
            #expect(bus.problem == nil)
            try await admin.purgeQueue(Topology.commandQueue)
            try await admin.purgeQueue(Topology.deadLetterQueue)

            try await bus.sendCommand(Array("one".utf8), headers: [("traceparent", "00-1-2-01")], timeout: .seconds(5))
            try await bus.sendCommand(Array("two".utf8), headers: [], timeout: .seconds(5))
            try await bus.publishEvents([StoreEvent.test, StoreEvent.test])
            let subscription = bus.consumeCommands(prefetch: 10)
            var commands = subscription.commands.makeAsyncIterator()
            let one = try #require(await commands.next())
            let two = try #require(await commands.next())
            #expect(String(decoding: one.body, as: UTF8.self) == "one" && one.headers["traceparent"] == "00-1-2-01")
            subscription.deadLetter(one)
            subscription.acknowledge(through: two)
            subscription.stop()
            #expect(await commands.next() == nil)
            await (subscription as? RabbitMQSubscription)?.closeAsync()

            let quorum: AMQPTable = ["x-queue-type": .string("quorum")]
            #expect(
                await BrokerEnvironment.eventually {
                    (try? await admin.declareQueue(Topology.deadLetterQueue, arguments: quorum)) == 1
                })
            #expect(try await admin.purgeQueue(Topology.commandQueue) == 0)
            try await admin.purgeQueue(Topology.deadLetterQueue)
            await bus.shutdown()
            await admin.close()
        }

        /// A first host that refuses connections is skipped for the next.
        @Test func aDeadHostIsSkipped() async throws {
            var url = try BrokerEnvironment.url()
            url.endpoints.insert(BrokerEndpoint(host: "127.0.0.1", port: 1), at: 0)
            let publisher = AMQPPublisher(
                url: url, eventLoop: BrokerEnvironment.loop, logger: BrokerEnvironment.logger("smoke"))
            #expect(await publisher.waitUntilConnected())
            try await publisher.publish(
                exchange: "", routingKey: "nowhere", body: [1], mandatory: false, timeout: .seconds(5))
            await publisher.shutdown()
        }
    }
}

extension StoreEvent {
    static var test: StoreEvent { StoreEvent(storeID: "smoke", id: 1, type: "order.created", data: "{}") }
}
