import CRabbitMQ
import NIOCore

/// Writes AMQP frames into a `ByteBuffer` with librabbitmq's encoders (`amqp_encode_method`,
/// `amqp_encode_properties`), straight into the buffer's memory.
///
/// A connection appends everything it sends in one event-loop tick to one buffer and writes it once: a
/// burst of publishes (method, content header and body frames each) is one `write`, as
/// `AMQPPublishBatch` did for the thread-based publisher. One per connection, on its event loop.
struct AMQPFrameEncoder {
    private let pool = AMQPPool()

    /// `AMQP` 0 0-9-1: the first bytes a client sends.
    static let protocolHeader: [UInt8] = [
        UInt8(ascii: "A"), UInt8(ascii: "M"), UInt8(ascii: "Q"), UInt8(ascii: "P"), 0, 0, 9, 1,
    ]

    func writeProtocolHeader(into buffer: inout ByteBuffer) {
        buffer.writeBytes(Self.protocolHeader)
    }

    func writeHeartbeat(into buffer: inout ByteBuffer) {
        buffer.writeInteger(AMQPFrame.heartbeatType)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(AMQPFrame.end)
    }

    func writeMethod(_ method: AMQPMethod, channel: UInt16, into buffer: inout ByteBuffer) throws(AMQPCodecError) {
        defer { pool.recycle() }
        try writeFrame(type: AMQPFrame.methodType, channel: channel, into: &buffer) { (buffer) throws(AMQPCodecError) in
            buffer.writeInteger(method.id)
            try write(what: method.name, reserving: method.argumentsSizeBound, into: &buffer) { target in
                method.encodeArguments(into: target, pool: pool)
            }
        }
    }

    /// A content header frame with `properties`; headers are written as string fields.
    func writeContentHeader(
        _ properties: AMQPProperties, bodySize: Int, channel: UInt16, into buffer: inout ByteBuffer
    ) throws(AMQPCodecError) {
        defer { pool.recycle() }
        let headers = properties.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let bound =
            64 + (properties.contentType?.utf8.count ?? 0) + (properties.messageID?.utf8.count ?? 0)
            + headersBound(headers)
        try writeContentHeader(bodySize: bodySize, channel: channel, reserving: bound, into: &buffer) {
            var p = amqp_basic_properties_t()
            if let contentType = properties.contentType {
                p._flags |= amqp_flags_t(AMQP_BASIC_CONTENT_TYPE_FLAG)
                p.content_type = pool.bytes(contentType)
            }
            if let mode = properties.deliveryMode {
                p._flags |= amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
                p.delivery_mode = mode
            }
            if let id = properties.messageID {
                p._flags |= amqp_flags_t(AMQP_BASIC_MESSAGE_ID_FLAG)
                p.message_id = pool.bytes(id)
            }
            setHeaders(headers, on: &p)
            return p
        }
    }

    /// Body frames for `body`, split so that no frame exceeds `frameMax`.
    func writeBody(_ body: [UInt8], channel: UInt16, frameMax: Int, into buffer: inout ByteBuffer) {
        let fragment = frameMax - AMQPFrame.overhead
        var offset = 0
        while offset < body.count {
            let end = min(offset + fragment, body.count)
            buffer.writeInteger(AMQPFrame.bodyType)
            buffer.writeInteger(channel)
            buffer.writeInteger(UInt32(end - offset))
            buffer.writeBytes(body[offset..<end])
            buffer.writeInteger(AMQPFrame.end)
            offset = end
        }
    }

    /// One `basic.publish` of a persistent JSON message: method, content header (message id, headers) and
    /// body frames. On a throw nothing is left in `buffer`.
    func writePublish(
        exchange: String, routingKey: String, mandatory: Bool, messageID: UInt64, headers: [(String, String)],
        body: [UInt8], channel: UInt16, frameMax: Int, into buffer: inout ByteBuffer
    ) throws(AMQPCodecError) {
        let start = buffer.writerIndex
        do {
            try writeMethod(
                .basicPublish(exchange: exchange, routingKey: routingKey, mandatory: mandatory), channel: channel,
                into: &buffer)
            defer { pool.recycle() }
            try writeContentHeader(
                bodySize: body.count, channel: channel, reserving: 96 + headersBound(headers), into: &buffer
            ) {
                var p = amqp_basic_properties_t()
                p._flags = amqp_flags_t(
                    AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG)
                p.content_type = pool.bytes("application/json")
                p.delivery_mode = 2
                p.message_id = pool.decimal(messageID)
                setHeaders(headers, on: &p)
                return p
            }
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
        writeBody(body, channel: channel, frameMax: frameMax, into: &buffer)
    }

    // MARK: - Helpers

    private func headersBound(_ headers: [(String, String)]) -> Int {
        headers.reduce(4) { $0 + 6 + $1.0.utf8.count + $1.1.utf8.count }
    }

    /// The headers as a table of string fields, in the pool.
    private func setHeaders(_ headers: [(String, String)], on p: inout amqp_basic_properties_t) {
        guard !headers.isEmpty else { return }
        let entries = pool.allocate(amqp_table_entry_t.self, count: headers.count)
        for (index, (key, value)) in headers.enumerated() {
            var field = amqp_field_value_t()
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = pool.bytes(value)
            (entries + index).initialize(to: amqp_table_entry_t(key: pool.bytes(key), value: field))
        }
        p._flags |= amqp_flags_t(AMQP_BASIC_HEADERS_FLAG)
        p.headers = amqp_table_t(num_entries: Int32(headers.count), entries: entries)
    }

    private func writeContentHeader(
        bodySize: Int, channel: UInt16, reserving bound: Int, into buffer: inout ByteBuffer,
        properties: () -> amqp_basic_properties_t
    ) throws(AMQPCodecError) {
        try writeFrame(type: AMQPFrame.headerType, channel: channel, into: &buffer) { (buffer) throws(AMQPCodecError) in
            buffer.writeInteger(UInt16(60))  // basic
            buffer.writeInteger(UInt16(0))  // weight
            buffer.writeInteger(UInt64(bodySize))
            var p = properties()
            try write(what: "content header", reserving: bound, into: &buffer) { target in
                amqp_encode_properties(60, &p, amqp_bytes_t(len: target.count, bytes: target.baseAddress))
            }
        }
    }

    /// Frames what `payload` writes: type, channel, size (filled in after), payload, end marker.
    private func writeFrame(
        type: UInt8, channel: UInt16, into buffer: inout ByteBuffer,
        payload: (inout ByteBuffer) throws(AMQPCodecError) -> Void
    ) throws(AMQPCodecError) {
        let start = buffer.writerIndex
        buffer.writeInteger(type)
        buffer.writeInteger(channel)
        buffer.writeInteger(UInt32(0))
        let payloadStart = buffer.writerIndex
        do {
            try payload(&buffer)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
        buffer.setInteger(UInt32(buffer.writerIndex - payloadStart), at: start + 3)
        buffer.writeInteger(AMQPFrame.end)
    }

    /// Runs a librabbitmq encoder on `bound` bytes of free space at the end of `buffer`; it returns the
    /// bytes it wrote or a negative status.
    private func write(
        what: String, reserving bound: Int, into buffer: inout ByteBuffer,
        _ encoder: (UnsafeMutableRawBufferPointer) -> Int32
    ) throws(AMQPCodecError) {
        var status: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
            status = encoder(UnsafeMutableRawBufferPointer(rebasing: target[0..<bound]))
            return max(Int(status), 0)
        }
        guard status >= 0 else { throw .unencodable(what, status: status) }
    }
}
