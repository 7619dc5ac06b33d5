import CRabbitMQ
import TableOrderCore

/// The broker's own ceiling for our write path: one thread, one confirm-mode channel, persistent
/// 400-byte messages, up to `window` unconfirmed at once. Nothing else (no HTTP, no JSON, no tasks).
struct MinimalPublisher {
    enum QueueKind: String, Codable { case classic, quorum }

    let url: AMQPURL
    var window: UInt64 = 1_000

    /// Messages per second, confirmed, into a fresh durable queue of `kind` (deleted afterwards).
    func run(kind: QueueKind, messages: Int) throws -> Double {
        let connection = try AMQPConnection(url: url)
        defer { connection.close() }
        let queue = "bench.reference.\(kind.rawValue)"
        try connection.declareQueue(queue, arguments: kind == .quorum ? [("x-queue-type", .string("quorum"))] : [])
        defer { try? connection.deleteQueue(queue) }
        try connection.enableConfirms()
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 400)
        var properties = amqp_basic_properties_t()
        properties._flags = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
        properties.delivery_mode = 2

        let total = UInt64(messages)
        var published: UInt64 = 0
        var confirmed: UInt64 = 0
        let start = monotonicNanoseconds()
        while confirmed < total {
            while published < total, published - confirmed < window {
                let status = queue.withAMQPBytes { key in
                    body.withUnsafeBytes { raw in
                        amqp_basic_publish(
                            connection.state, AMQPConnection.channel, amqp_empty_bytes, key, 0, 0, &properties,
                            amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress)))
                    }
                }
                guard status == AMQP_STATUS_OK.rawValue else { throw BenchError("publish failed: \(status)") }
                published += 1
            }
            confirmed = max(confirmed, try awaitConfirm(connection))
        }
        return Double(total) / seconds(since: start)
    }

    /// Blocks for the next ack; returns the delivery tag it confirms up to (acks on one channel are in order).
    private func awaitConfirm(_ connection: AMQPConnection) throws -> UInt64 {
        while true {
            var frame = amqp_frame_t()
            let status = amqp_simple_wait_frame(connection.state, &frame)
            guard status == AMQP_STATUS_OK.rawValue else { throw BenchError("waiting for confirms: \(status)") }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            switch frame.payload.method.id {
            case AMQPMethod.basicAck:
                return frame.payload.method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee.delivery_tag
            case AMQPMethod.basicNack:
                throw BenchError("the broker refused a message")
            default:
                continue
            }
        }
    }
}
