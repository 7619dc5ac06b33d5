import CRabbitMQ
import Foundation
import Logging
import NIOConcurrencyHelpers
import TableOrderCore

/// Consumes one queue with manual acks, from one thread of its own.
///
/// Deliveries flow to async code through `deliveries`; acks flow back through `ack(through:)`, which the
/// thread applies between reads (rabbitmq-c connections belong to one thread). A lost connection starts a
/// new *generation*: acks for the old one are dropped, because the broker redelivers those messages anyway.
public final class AMQPConsumer: @unchecked Sendable {
    public struct Delivery: Sendable {
        public var body: [UInt8]
        public var tag: UInt64
        public var generation: Int
        public var redelivered: Bool
        public var headers: [String: String]
    }

    private enum Settlement {
        case ack(tag: UInt64, generation: Int)
        case reject(tag: UInt64, generation: Int)
    }

    public let deliveries: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation
    private let url: AMQPURL
    private let queueName: String
    private let prefetch: UInt16
    private let declareTopology: @Sendable (AMQPConnection) throws -> Void
    private let logger: Logger
    private let lock = NIOLock()
    private var settlements: [Settlement] = []
    private var deliveringStopped = false
    private var shuttingDown = false
    private var connectedFlag = false
    private var lastError = "not yet connected"
    private let wakeup = Wakeup()
    private let done = ConditionLock(value: false)

    init(
        url: AMQPURL, queue: String, prefetch: UInt16, logger: Logger,
        declareTopology: @escaping @Sendable (AMQPConnection) throws -> Void
    ) {
        self.url = url
        self.queueName = queue
        self.prefetch = prefetch
        self.logger = logger
        self.declareTopology = declareTopology
        (deliveries, continuation) = AsyncStream.makeStream(of: Delivery.self)
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "amqp-consumer"
        thread.start()
    }

    public var isConnected: Bool { lock.withLock { connectedFlag } }
    public var lastErrorDescription: String { lock.withLock { lastError } }

    /// Acknowledges every delivery of `generation` up to and including `tag` (`multiple`).
    public func ack(through tag: UInt64, generation: Int) {
        lock.withLock { settlements.append(.ack(tag: tag, generation: generation)) }
        wakeup.signal()
    }

    /// Refuses one delivery without requeueing it: the queue's dead-letter policy takes it.
    public func reject(_ tag: UInt64, generation: Int) {
        lock.withLock { settlements.append(.reject(tag: tag, generation: generation)) }
        wakeup.signal()
    }

    /// Stops handing out deliveries; unacked ones return to the queue when the connection closes.
    public func stopDelivering() {
        lock.withLock { deliveringStopped = true }
        continuation.finish()
        wakeup.signal()
    }

    /// Applies the acks already requested, closes the connection and ends the thread.
    public func shutdown() {
        stopDelivering()
        lock.withLock { shuttingDown = true }
        wakeup.signal()
        done.lock(whenValue: true)
        done.unlock()
    }

    private func runLoop() {
        var connection: AMQPConnection?
        var generation = 0
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(3))
        var cancelled = false

        func drop(_ why: String) {
            logger.warning("rabbitmq consumer connection lost", metadata: ["error": "\(why)"])
            connection?.close()
            connection = nil
            lock.withLock {
                connectedFlag = false
                lastError = why
            }
        }

        while true {
            let (pending, stopDelivering, shutdown) = lock.withLock { () -> ([Settlement], Bool, Bool) in
                let taken = settlements
                settlements.removeAll(keepingCapacity: true)
                return (taken, deliveringStopped, shuttingDown)
            }
            if let conn = connection {
                for settlement in pending {
                    let status: Int32
                    switch settlement {
                    case .ack(let tag, let gen) where gen == generation:
                        status = amqp_basic_ack(conn.state, AMQPConnection.channel, tag, 1)
                    case .reject(let tag, let gen) where gen == generation:
                        status = amqp_basic_reject(conn.state, AMQPConnection.channel, tag, 0)
                    default:
                        continue
                    }
                    if status != AMQP_STATUS_OK.rawValue {
                        drop(String(cString: amqp_error_string2(status)))
                        break
                    }
                }
            }
            if shutdown { break }
            if stopDelivering, !cancelled, connection != nil {
                // Leave the prefetched but unread messages to the broker: closing returns them to the queue.
                cancelled = true
            }

            guard let conn = connection else {
                if stopDelivering {
                    wakeup.wait(socket: nil, timeoutMs: 1000)
                    continue
                }
                do {
                    let fresh = try AMQPConnection(url: url)
                    try declareTopology(fresh)
                    amqp_basic_qos(fresh.state, AMQPConnection.channel, 0, prefetch, 0)
                    try fresh.checkReply("basic.qos")
                    queueName.withAMQPBytes { queue in
                        _ = amqp_basic_consume(
                            fresh.state, AMQPConnection.channel, queue, amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
                    }
                    try fresh.checkReply("basic.consume")
                    connection = fresh
                    generation += 1
                    backoff.reset()
                    lock.withLock { connectedFlag = true }
                    logger.info("rabbitmq consumer connected", metadata: ["queue": "\(queueName)"])
                } catch {
                    let why = "\(error)"
                    lock.withLock { lastError = why }
                    logger.debug("rabbitmq consumer cannot connect", metadata: ["error": "\(why)"])
                    wakeup.wait(socket: nil, timeoutMs: Int32(clamping: backoff.nextDelay().milliseconds))
                }
                continue
            }

            if cancelled {
                wakeup.wait(socket: nil, timeoutMs: 1000)
                continue
            }
            if !conn.hasBufferedInput {
                _ = wakeup.wait(socket: conn.socketFD, timeoutMs: 1000)
            }
            // Woken by the socket, by settlements to send, or by the timeout: in every case read through
            // `amqp_consume_message` without waiting, which also sends and checks heartbeats. Reading a
            // bare frame here instead would swallow a delivery that arrived meanwhile — and the next
            // `multiple` ack would then settle it unprocessed.
            amqp_maybe_release_buffers(conn.state)
            var envelope = amqp_envelope_t()
            var zero = timeval(tv_sec: 0, tv_usec: 0)
            let reply = amqp_consume_message(conn.state, &envelope, &zero, 0)
            switch reply.reply_type {
            case AMQP_RESPONSE_NORMAL:
                let delivery = Delivery(
                    body: envelope.message.body.array, tag: envelope.delivery_tag, generation: generation,
                    redelivered: envelope.redelivered != 0, headers: Self.stringHeaders(envelope.message.properties))
                amqp_destroy_envelope(&envelope)
                continuation.yield(delivery)
            case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
                continue
            case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
                // Not a delivery: a close from the broker, or a stray method frame.
                var frame = amqp_frame_t()
                var zero2 = timeval(tv_sec: 0, tv_usec: 0)
                let status = amqp_simple_wait_frame_noblock(conn.state, &frame, &zero2)
                if status == AMQP_STATUS_OK.rawValue, frame.frame_type == UInt8(AMQP_FRAME_METHOD),
                    frame.payload.method.id == AMQPMethod.channelClose
                        || frame.payload.method.id == AMQPMethod.connectionClose
                {
                    drop("broker closed the channel")
                } else if status != AMQP_STATUS_OK.rawValue && status != AMQP_STATUS_TIMEOUT.rawValue {
                    drop(String(cString: amqp_error_string2(status)))
                }
            default:
                drop("consume failed: \(reply.library_error)")
            }
        }
        connection?.close()
        continuation.finish()
        done.lock()
        done.unlock(withValue: true)
    }

    private static func stringHeaders(_ properties: amqp_basic_properties_t) -> [String: String] {
        guard properties._flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0, properties.headers.num_entries > 0,
            let entries = properties.headers.entries
        else { return [:] }
        var out: [String: String] = [:]
        for i in 0..<Int(properties.headers.num_entries) {
            let entry = entries[i]
            if entry.value.kind == UInt8(AMQP_FIELD_KIND_UTF8.rawValue) || entry.value.kind == UInt8(AMQP_FIELD_KIND_BYTES.rawValue) {
                out[entry.key.string] = entry.value.value.bytes.string
            }
        }
        return out
    }
}
