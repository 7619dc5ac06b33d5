/// Consuming one queue with manual acks, across connections.
///
/// Pure; the session does the I/O. The rules:
/// - each connection is a new *generation*: deliveries carry it, and an ack or reject for an older one is
///   dropped, because the broker requeued those messages when that connection closed (its tags mean
///   nothing on the new channel);
/// - `ack(through:)` is `basic.ack` with `multiple`; `reject` is `basic.reject` without requeue (the
///   queue's dead-letter policy takes the message). A settlement the broker would refuse as an unknown
///   tag (already settled, never delivered) is dropped rather than let it close the channel;
/// - `stopDelivering` cancels the consumer and ends the stream; what arrives after is not handed out
///   and returns to the queue when the connection closes;
/// - `shutdown` closes after the settlements already requested (they were sent as requested);
/// - a `basic.cancel` from the broker (the queue was deleted, or its node went away) closes the
///   connection, and the supervisor reconnects and consumes again.
struct AMQPConsumerStateMachine {
    enum Action: Equatable {
        case none
        /// Hand this delivery to the application.
        case deliver(AMQPConsumer.Delivery)
        /// Send this method on the channel (an ack, a reject).
        case send(AMQPMethod)
        /// End the deliveries stream; send the cancel if there is one.
        case finishDeliveries(cancel: AMQPMethod?)
        /// Close the connection for this reason; the supervisor reconnects.
        case reconnect(reason: String)
        /// Stop for good: end the stream if `finishDeliveries`, then close the connection politely.
        case stop(finishDeliveries: Bool)
    }

    private struct Consuming {
        var assembler = AMQPContentAssembler()
        /// The highest tag handed out (or dropped) on this channel.
        var highestDelivered: UInt64 = 0
        /// Every tag up to this one is settled (a `multiple` ack).
        var settledThrough: UInt64 = 0
        /// Rejected tags above `settledThrough` (a second reject would close the channel).
        var rejected: Set<UInt64> = []
    }

    private enum State {
        case disconnected
        case consuming(Consuming)
        case stopped
        /// Transient, while the consuming state is mutated in place (a body grows without a copy).
        case modifying
    }

    let queue: String
    let consumerTag: String
    let prefetch: UInt16
    private let declarations: [AMQPMethod]
    private var state = State.disconnected
    private(set) var generation = 0
    private(set) var deliveringStopped = false

    init(queue: String, consumerTag: String, prefetch: UInt16, declarations: [AMQPMethod]) {
        self.queue = queue
        self.consumerTag = consumerTag
        self.prefetch = prefetch
        self.declarations = declarations
    }

    var isStopped: Bool { if case .stopped = state { true } else { false } }

    /// What a new connection sets up: the declarations, the prefetch, and the consumer unless delivering
    /// has stopped.
    var setupMethods: [AMQPMethod] {
        declarations + [.basicQos(prefetchCount: prefetch)]
            + (deliveringStopped
                ? [] : [.basicConsume(queue: queue, consumerTag: consumerTag, noAck: false, exclusive: false)])
    }

    // MARK: - Connection events

    /// The channel is set up. Returns false if the consumer is stopped (close the connection).
    mutating func connectionReady() -> Bool {
        guard case .disconnected = state else { return false }
        generation += 1
        state = .consuming(Consuming())
        return true
    }

    mutating func connectionLost() {
        guard case .consuming = state else { return }
        state = .disconnected
    }

    mutating func received(_ frame: AMQPFrame) -> Action {
        guard case .consuming(var consuming) = state else { return .none }
        state = .modifying
        defer { state = .consuming(consuming) }
        let result: AMQPContentAssembler.Result
        switch frame {
        case .method(_, .basicDeliver(_, let tag, _, _, _)):
            consuming.highestDelivered = max(consuming.highestDelivered, tag)
            result = consuming.assembler.start(frameMethod(frame))
        case .method(_, .basicCancel):
            return .reconnect(
                reason: "the broker cancelled the consumer of \(queue) (queue deleted, or its node went away)")
        case .method:
            return .none
        case .header(_, let header):
            result = consuming.assembler.header(header)
        case .body(_, let bytes):
            result = consuming.assembler.body(bytes)
        case .heartbeat:
            return .none
        }
        switch result {
        case .incomplete:
            return .none
        case .protocolError(let what):
            return .reconnect(reason: "protocol error: \(what)")
        case .complete(let message):
            guard !deliveringStopped, case .basicDeliver(_, let tag, let redelivered, _, _) = message.method else {
                return .none
            }
            return .deliver(
                AMQPConsumer.Delivery(
                    body: message.body, tag: tag, generation: generation, redelivered: redelivered,
                    headers: message.properties.headers))
        }
    }

    // MARK: - Application events

    mutating func ack(through tag: UInt64, generation: Int) -> Action {
        guard generation == self.generation, case .consuming(var consuming) = state, tag > consuming.settledThrough,
            tag <= consuming.highestDelivered
        else { return .none }
        // The broker forgot a rejected tag: an ack naming it would be "unknown delivery tag" and close the
        // channel, even with `multiple`. Ack through the highest tag of the range that was not rejected; if
        // every one was, there is nothing left to ack.
        var through = tag
        while through > consuming.settledThrough, consuming.rejected.contains(through) { through -= 1 }
        let previous = consuming.settledThrough
        consuming.settledThrough = tag
        if !consuming.rejected.isEmpty { consuming.rejected = consuming.rejected.filter { $0 > tag } }
        state = .consuming(consuming)
        return through > previous ? .send(.basicAck(deliveryTag: through, multiple: true)) : .none
    }

    mutating func reject(_ tag: UInt64, generation: Int) -> Action {
        guard generation == self.generation, case .consuming(var consuming) = state, tag > consuming.settledThrough,
            tag <= consuming.highestDelivered, !consuming.rejected.contains(tag)
        else { return .none }
        consuming.rejected.insert(tag)
        state = .consuming(consuming)
        return .send(.basicReject(deliveryTag: tag, requeue: false))
    }

    mutating func stopDelivering() -> Action {
        guard !deliveringStopped else { return .none }
        deliveringStopped = true
        if case .consuming = state {
            return .finishDeliveries(cancel: .basicCancel(consumerTag: consumerTag, noWait: false))
        }
        return .finishDeliveries(cancel: nil)
    }

    mutating func shutdown() -> Action {
        if case .stopped = state { return .none }
        let finish = !deliveringStopped
        deliveringStopped = true
        state = .stopped
        return .stop(finishDeliveries: finish)
    }

    private func frameMethod(_ frame: AMQPFrame) -> AMQPMethod {
        guard case .method(_, let method) = frame else { preconditionFailure("not a method frame") }
        return method
    }
}
