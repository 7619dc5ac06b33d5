import CRabbitMQ
import TableOrderCore
#if canImport(Glibc)
import Glibc
#endif

struct AMQPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// AMQP method ids (the C headers define them as casts, which Swift does not import).
enum AMQPMethod {
    static let connectionClose: UInt32 = 0x000A_0032
    static let channelClose: UInt32 = 0x0014_0028
    static let basicAck: UInt32 = 0x003C_0050
    static let basicNack: UInt32 = 0x003C_0078
    static let basicReturn: UInt32 = 0x003C_0032
    static let basicDeliver: UInt32 = 0x003C_003C
    static let basicGetOK: UInt32 = 0x003C_0047
}

/// One blocking rabbitmq-c connection with one channel, for the benchmark's reference publisher only:
/// "the broker's ceiling" is measured with the C library as plain as it comes, beside our NIO clients.
/// Not thread-safe by design: it belongs to the thread that created it, as rabbitmq-c requires.
final class AMQPConnection {
    static let channel: amqp_channel_t = 1
    let state: amqp_connection_state_t
    private var closed = false
    private var open = false

    init(url: AMQPURL, heartbeatSeconds: Int32 = 30, connectTimeoutSeconds: Int = 2) throws {
        guard let state = amqp_new_connection() else { throw AMQPError("cannot allocate connection") }
        self.state = state
        // On a throw below, `deinit` destroys the connection (exactly once).
        guard let socket = amqp_tcp_socket_new(state) else { throw AMQPError("cannot allocate socket") }
        var timeout = timeval(tv_sec: connectTimeoutSeconds, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError("cannot connect to \(url.host):\(url.port): \(String(cString: amqp_error_string2(status)))")
        }
        let login = tableorder_amqp_login_plain(state, url.vhost, heartbeatSeconds, url.user, url.password)
        guard login.reply_type == AMQP_RESPONSE_NORMAL else { throw AMQPError("login to vhost \(url.vhost) refused") }
        amqp_channel_open(state, Self.channel)
        try checkReply("channel.open")
        open = true
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        if open {
            amqp_channel_close(state, Self.channel, Int32(AMQP_REPLY_SUCCESS))
            amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        amqp_destroy_connection(state)
    }

    var socketFD: Int32 { amqp_get_sockfd(state) }

    /// Whether rabbitmq-c already holds bytes or frames that a `poll()` on the socket would not show.
    var hasBufferedInput: Bool { amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 }

    func checkReply(_ what: String) throws {
        let reply = amqp_get_rpc_reply(state)
        try Self.check(reply, what)
    }

    static func check(_ reply: amqp_rpc_reply_t, _ what: String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw AMQPError("\(what): \(String(cString: amqp_error_string2(reply.library_error)))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            var detail = "server closed"
            if reply.reply.id == AMQPMethod.channelClose || reply.reply.id == AMQPMethod.connectionClose,
                let decoded = reply.reply.decoded
            {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                detail = "\(close.reply_code) \(close.reply_text.string)"
            }
            throw AMQPError("\(what): \(detail)")
        default:
            throw AMQPError("\(what): no reply")
        }
    }

    func enableConfirms() throws {
        amqp_confirm_select(state, Self.channel)
        try checkReply("confirm.select")
    }

    func declareTopicExchange(_ name: String) throws {
        name.withAMQPBytes { exchange in
            "topic".withAMQPBytes { type in
                _ = amqp_exchange_declare(state, Self.channel, exchange, type, 0, 1, 0, 0, amqp_empty_table)
            }
        }
        try checkReply("exchange.declare \(name)")
    }

    /// Declares a durable queue with string or integer arguments (`x-queue-type`, `x-delivery-limit`, …).
    func declareQueue(_ name: String, arguments: [(String, AMQPArgument)]) throws {
        withAMQPTable(arguments) { table in
            name.withAMQPBytes { queue in
                _ = amqp_queue_declare(state, Self.channel, queue, 0, 1, 0, 0, table)
            }
        }
        try checkReply("queue.declare \(name)")
    }

    /// A non-durable queue, for probes and tests.
    func declareTransientQueue(_ name: String) throws {
        name.withAMQPBytes { queue in
            _ = amqp_queue_declare(state, Self.channel, queue, 0, 0, 0, 0, amqp_empty_table)
        }
        try checkReply("queue.declare \(name)")
    }

    func deleteQueue(_ name: String) throws {
        name.withAMQPBytes { queue in _ = amqp_queue_delete(state, Self.channel, queue, 0, 0) }
        try checkReply("queue.delete \(name)")
    }

    /// Empties a queue; returns how many messages it held.
    func purgeQueue(_ name: String) throws -> UInt32 {
        let reply = name.withAMQPBytes { queue in amqp_queue_purge(state, Self.channel, queue) }
        try checkReply("queue.purge \(name)")
        return reply?.pointee.message_count ?? 0
    }

    /// Takes one message (auto-acked) if the queue has one.
    func basicGet(_ queueName: String) throws -> [UInt8]? {
        let reply = queueName.withAMQPBytes { queue in amqp_basic_get(state, Self.channel, queue, 1) }
        try Self.check(reply, "basic.get")
        guard reply.reply.id == AMQPMethod.basicGetOK else { return nil }
        var message = amqp_message_t()
        try Self.check(amqp_read_message(state, Self.channel, &message, 0), "read message")
        defer { amqp_destroy_message(&message) }
        return message.body.array
    }

    func bindQueue(_ queue: String, exchange: String, routingKey: String) throws {
        queue.withAMQPBytes { q in
            exchange.withAMQPBytes { e in
                routingKey.withAMQPBytes { k in
                    _ = amqp_queue_bind(state, Self.channel, q, e, k, amqp_empty_table)
                }
            }
        }
        try checkReply("queue.bind \(queue)")
    }
}

enum AMQPArgument {
    case string(String)
    case int(Int)
}

/// Lends `entries` to rabbitmq-c as an `amqp_table_t` (queue arguments, message headers) for the duration
/// of `body`; the C strings it points to are freed afterwards.
func withAMQPTable<R>(_ entries: [(String, AMQPArgument)], _ body: (amqp_table_t) throws -> R) rethrows -> R {
    var owned: [UnsafeMutablePointer<CChar>] = []
    defer { owned.forEach { free($0) } }
    func bytes(_ text: String) -> amqp_bytes_t {
        let copy = strdup(text)!
        owned.append(copy)
        return amqp_bytes_t(len: strlen(copy), bytes: UnsafeMutableRawPointer(copy))
    }
    var table: [amqp_table_entry_t] = entries.map { key, value in
        var field = amqp_field_value_t()
        switch value {
        case .string(let text):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = bytes(text)
        case .int(let number):
            field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            field.value.i64 = Int64(number)
        }
        return amqp_table_entry_t(key: bytes(key), value: field)
    }
    return try table.withUnsafeMutableBufferPointer { buffer in
        try body(amqp_table_t(num_entries: Int32(buffer.count), entries: buffer.baseAddress))
    }
}

extension String {
    /// Lends the string to rabbitmq-c as `amqp_bytes_t` for the duration of `body`.
    func withAMQPBytes<R>(_ body: (amqp_bytes_t) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { buffer in
            try body(amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
        }
    }
}

extension amqp_bytes_t {
    var string: String {
        guard let bytes, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    var array: [UInt8] {
        guard let bytes, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }
}
