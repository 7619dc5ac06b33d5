import NIOCore
import Testing

@testable import TableOrderRabbitMQ

@Suite struct AMQPConsumerStateMachineTests {
    typealias Machine = AMQPConsumerStateMachine
    static let declare = AMQPMethod.queueDeclare(
        queue: "q", durable: true, exclusive: false, autoDelete: false, arguments: [:])

    static func consuming() -> Machine {
        var machine = Machine(queue: "q", consumerTag: "c-1", prefetch: 50, declarations: [declare])
        precondition(machine.connectionReady())
        return machine
    }

    static func deliver(_ tag: UInt64, redelivered: Bool = false) -> AMQPFrame {
        .method(
            channel: 1,
            .basicDeliver(consumerTag: "c-1", deliveryTag: tag, redelivered: redelivered, exchange: "", routingKey: "q")
        )
    }

    static func header(_ size: Int, headers: [String: String] = [:]) -> AMQPFrame {
        .header(channel: 1, AMQPContentHeader(bodySize: UInt64(size), properties: AMQPProperties(headers: headers)))
    }

    static func body(_ bytes: [UInt8]) -> AMQPFrame { .body(channel: 1, ByteBuffer(bytes: bytes)) }

    /// Feeds one whole delivery of `body`; returns the last action.
    static func receive(_ machine: inout Machine, tag: UInt64, body: [UInt8] = [1], redelivered: Bool = false)
        -> Machine.Action
    {
        _ = machine.received(deliver(tag, redelivered: redelivered))
        let afterHeader = machine.received(header(body.count))
        return body.isEmpty ? afterHeader : machine.received(Self.body(body))
    }

    @Test func setupDeclaresSetsThePrefetchAndConsumesUnlessStopped() {
        var machine = Machine(queue: "q", consumerTag: "c-1", prefetch: 50, declarations: [Self.declare])
        #expect(
            machine.setupMethods
                == [
                    Self.declare, .basicQos(prefetchCount: 50),
                    .basicConsume(queue: "q", consumerTag: "c-1", noAck: false, exclusive: false),
                ])
        _ = machine.stopDelivering()
        #expect(machine.setupMethods == [Self.declare, .basicQos(prefetchCount: 50)])
    }

    @Test func deliveriesAreAssembledFromTheirFrames() {
        var machine = Self.consuming()
        #expect(machine.received(Self.deliver(7, redelivered: true)) == .none)
        #expect(machine.received(Self.header(5, headers: ["traceparent": "00-a-b-01"])) == .none)
        #expect(machine.received(Self.body([1, 2])) == .none)
        #expect(
            machine.received(Self.body([3, 4, 5]))
                == .deliver(
                    AMQPConsumer.Delivery(
                        body: [1, 2, 3, 4, 5], tag: 7, generation: 1, redelivered: true,
                        headers: ["traceparent": "00-a-b-01"])))
        // An empty body has no body frame.
        #expect(
            Self.receive(&machine, tag: 8, body: [])
                == .deliver(AMQPConsumer.Delivery(body: [], tag: 8, generation: 1, redelivered: false)))
    }

    @Test func framesThatMakeNoMessageReconnect() {
        var machine = Self.consuming()
        #expect(
            machine.received(Self.header(1)) == .reconnect(reason: "protocol error: content header without a method"))
        var tooLong = Self.consuming()
        _ = tooLong.received(Self.deliver(1))
        _ = tooLong.received(Self.header(1))
        #expect(
            tooLong.received(Self.body([1, 2]))
                == .reconnect(reason: "protocol error: body frames exceed the announced size"))
    }

    @Test func acksAreMultipleAndOnlyForTheCurrentGenerationsDeliveredTags() {
        var machine = Self.consuming()
        for tag in 1...5 { _ = Self.receive(&machine, tag: UInt64(tag)) }
        #expect(machine.ack(through: 3, generation: 1) == .send(.basicAck(deliveryTag: 3, multiple: true)))
        #expect(machine.ack(through: 3, generation: 1) == .none)  // settled already: the broker would close the channel
        #expect(machine.ack(through: 2, generation: 1) == .none)
        #expect(machine.ack(through: 6, generation: 1) == .none)  // never delivered
        #expect(machine.ack(through: 5, generation: 0) == .none)  // an older connection's
        #expect(machine.ack(through: 5, generation: 1) == .send(.basicAck(deliveryTag: 5, multiple: true)))
    }

    @Test func rejectsGoToTheDeadLetterPolicyOnce() {
        var machine = Self.consuming()
        for tag in 1...4 { _ = Self.receive(&machine, tag: UInt64(tag)) }
        #expect(machine.reject(2, generation: 1) == .send(.basicReject(deliveryTag: 2, requeue: false)))
        #expect(machine.reject(2, generation: 1) == .none)
        #expect(machine.ack(through: 3, generation: 1) == .send(.basicAck(deliveryTag: 3, multiple: true)))  // skips 2
        #expect(machine.reject(3, generation: 1) == .none)
        #expect(machine.reject(4, generation: 2) == .none)
    }

    /// The worker dead-letters a command and then acks its batch through that same command's tag: the
    /// broker no longer knows the tag (an ack naming it closes the channel), so the ack stops below it.
    @Test func anAckThroughARejectedTagStopsBelowIt() {
        var machine = Self.consuming()
        for tag in 1...5 { _ = Self.receive(&machine, tag: UInt64(tag)) }
        _ = machine.reject(4, generation: 1)
        _ = machine.reject(5, generation: 1)
        #expect(machine.ack(through: 5, generation: 1) == .send(.basicAck(deliveryTag: 3, multiple: true)))
        _ = Self.receive(&machine, tag: 6)
        _ = machine.reject(6, generation: 1)
        #expect(machine.ack(through: 6, generation: 1) == .none, "only a rejected tag was left: nothing to ack")
        _ = Self.receive(&machine, tag: 7)
        #expect(machine.ack(through: 7, generation: 1) == .send(.basicAck(deliveryTag: 7, multiple: true)))
    }

    @Test func aNewConnectionIsANewGenerationAndOldSettlementsAreVoid() {
        var machine = Self.consuming()
        for tag in 1...3 { _ = Self.receive(&machine, tag: UInt64(tag)) }
        machine.connectionLost()
        #expect(machine.ack(through: 3, generation: 1) == .none)  // no connection
        let ready = machine.connectionReady()
        #expect(ready)
        #expect(machine.generation == 2)
        #expect(machine.ack(through: 3, generation: 1) == .none)  // the broker requeued those
        #expect(
            Self.receive(&machine, tag: 1, redelivered: true)
                == .deliver(AMQPConsumer.Delivery(body: [1], tag: 1, generation: 2, redelivered: true)))
        #expect(machine.ack(through: 1, generation: 2) == .send(.basicAck(deliveryTag: 1, multiple: true)))
    }

    @Test func aPartialDeliveryDiesWithItsConnection() {
        var machine = Self.consuming()
        _ = machine.received(Self.deliver(1))
        _ = machine.received(Self.header(4))
        _ = machine.received(Self.body([1, 2]))
        machine.connectionLost()
        let ready = machine.connectionReady()
        #expect(ready)
        #expect(
            Self.receive(&machine, tag: 1, body: [9])
                == .deliver(AMQPConsumer.Delivery(body: [9], tag: 1, generation: 2, redelivered: false)))
    }

    @Test func theBrokerCancellingTheConsumerReconnects() {
        var machine = Self.consuming()
        let cancel = AMQPFrame.method(channel: 1, .basicCancel(consumerTag: "c-1", noWait: true))
        #expect(
            machine.received(cancel)
                == .reconnect(reason: "the broker cancelled the consumer of q (queue deleted, or its node went away)"))
    }

    @Test func stopDeliveringCancelsAndHandsOutNothingMore() {
        var machine = Self.consuming()
        _ = Self.receive(&machine, tag: 1)
        #expect(machine.stopDelivering() == .finishDeliveries(cancel: .basicCancel(consumerTag: "c-1", noWait: false)))
        #expect(machine.stopDelivering() == .none)
        #expect(Self.receive(&machine, tag: 2) == .none)  // returns to the queue when the connection closes
        #expect(machine.received(.method(channel: 1, .basicCancelOK(consumerTag: "c-1"))) == .none)
        #expect(machine.ack(through: 1, generation: 1) == .send(.basicAck(deliveryTag: 1, multiple: true)))

        var disconnected = Machine(queue: "q", consumerTag: "c", prefetch: 1, declarations: [])
        #expect(disconnected.stopDelivering() == .finishDeliveries(cancel: nil))
    }

    @Test func shutdownStopsAfterWhatWasSent() {
        var machine = Self.consuming()
        _ = Self.receive(&machine, tag: 1)
        #expect(machine.ack(through: 1, generation: 1) == .send(.basicAck(deliveryTag: 1, multiple: true)))
        #expect(machine.shutdown() == .stop(finishDeliveries: true))
        #expect(machine.shutdown() == .none)
        #expect(machine.isStopped)
        #expect(machine.ack(through: 1, generation: 1) == .none)
        let again = machine.connectionReady()
        #expect(!again)

        var stopped = Self.consuming()
        _ = stopped.stopDelivering()
        #expect(stopped.shutdown() == .stop(finishDeliveries: false))
    }
}
