import CRabbitMQ
import TableOrderCore
#if canImport(Glibc)
import Glibc
#endif

/// The frames of several `basic.publish`es in one buffer, sent with one write.
///
/// librabbitmq's `amqp_basic_publish` sends each message as three `send` calls (method, content header,
/// body). Under load the publisher thread holds dozens of messages at once, so it encodes them here with
/// librabbitmq's own encoders (`amqp_encode_method`, `amqp_encode_properties`) and writes the whole batch
/// to the socket in one go: fewer system calls for this process, and fewer, fuller TCP segments for the
/// broker to read. Only for plain TCP connections, which is what `AMQPConnection` opens.
struct AMQPPublishBatch {
    private(set) var bytes: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 4096)
    private let channel: UInt16
    private var frameMax = 4096

    private static let frameEnd: UInt8 = 0xCE

    /// One per publisher thread: its buffers are reused from batch to batch.
    init(channel: amqp_channel_t) {
        self.channel = channel
    }

    var isEmpty: Bool { bytes.isEmpty }

    /// Empties the buffer for the next batch on a connection with this negotiated frame size.
    mutating func start(frameMax: Int) {
        bytes.removeAll(keepingCapacity: true)
        self.frameMax = max(frameMax, 4096)
    }

    /// Appends one persistent JSON message. Throws if its method or properties cannot be encoded.
    mutating func append(
        exchange: String, routingKey: String, mandatory: Bool, messageID: String, headers: [(String, String)],
        body: [UInt8]
    ) throws(AMQPEncodingError) {
        try appendMethod(exchange: exchange, routingKey: routingKey, mandatory: mandatory)
        try appendContentHeader(bodySize: body.count, messageID: messageID, headers: headers)
        let fragment = frameMax - 8  // frame header (7) and end (1)
        var offset = 0
        while offset < body.count {
            let end = min(offset + fragment, body.count)
            appendFrame(type: UInt8(AMQP_FRAME_BODY), payload: body[offset..<end])
            offset = end
        }
    }

    private mutating func appendMethod(exchange: String, routingKey: String, mandatory: Bool) throws(AMQPEncodingError) {
        let length = exchange.withAMQPBytes { exchange in
            routingKey.withAMQPBytes { key in
                var method = amqp_basic_publish_t(
                    ticket: 0, exchange: exchange, routing_key: key, mandatory: mandatory ? 1 : 0, immediate: 0)
                return encode { amqp_encode_method(AMQP_BASIC_PUBLISH_METHOD, &method, $0) }
            }
        }
        guard length >= 0 else { throw AMQPEncodingError(status: length) }
        var payload: [UInt8] = []
        payload.reserveCapacity(4 + Int(length))
        Self.appendBigEndian(&payload, UInt32(AMQP_BASIC_PUBLISH_METHOD))
        payload += scratch[0..<Int(length)]
        appendFrame(type: UInt8(AMQP_FRAME_METHOD), payload: payload[...])
    }

    private mutating func appendContentHeader(bodySize: Int, messageID: String, headers: [(String, String)])
        throws(AMQPEncodingError)
    {
        let length = withAMQPTable(headers.map { ($0, AMQPArgument.string($1)) }) { table in
            "application/json".withAMQPBytes { contentType in
                messageID.withAMQPBytes { id in
                    var properties = amqp_basic_properties_t()
                    properties._flags = amqp_flags_t(
                        AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG)
                    properties.content_type = contentType
                    properties.delivery_mode = 2  // persistent
                    properties.message_id = id
                    if table.num_entries > 0 {
                        properties._flags |= amqp_flags_t(AMQP_BASIC_HEADERS_FLAG)
                        properties.headers = table
                    }
                    return encode { amqp_encode_properties(UInt16(AMQP_BASIC_CLASS), &properties, $0) }
                }
            }
        }
        guard length >= 0 else { throw AMQPEncodingError(status: length) }
        var payload: [UInt8] = []
        payload.reserveCapacity(12 + Int(length))
        Self.appendBigEndian(&payload, UInt16(AMQP_BASIC_CLASS))
        Self.appendBigEndian(&payload, UInt16(0))  // weight
        Self.appendBigEndian(&payload, UInt64(bodySize))
        payload += scratch[0..<Int(length)]
        appendFrame(type: UInt8(AMQP_FRAME_HEADER), payload: payload[...])
    }

    /// Runs a librabbitmq encoder into the scratch buffer; its result is the encoded length or a status.
    private mutating func encode(_ encoder: (amqp_bytes_t) -> Int32) -> Int32 {
        scratch.withUnsafeMutableBytes { raw in encoder(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress)) }
    }

    private mutating func appendFrame(type: UInt8, payload: ArraySlice<UInt8>) {
        bytes.append(type)
        Self.appendBigEndian(&bytes, channel)
        Self.appendBigEndian(&bytes, UInt32(payload.count))
        bytes += payload
        bytes.append(Self.frameEnd)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }

    /// Writes the batch to the connection's socket, waiting (up to `timeoutMs` each time) while it is full.
    /// Returns a description of the failure, if any; the connection is then unusable.
    func send(to fd: Int32, timeoutMs: Int32 = 5000) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent > 0 {
                    offset += sent
                } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    guard poll(&pfd, 1, timeoutMs) > 0 else { return "socket not writable for \(timeoutMs) ms" }
                } else {
                    return "send failed: \(String(cString: strerror(errno)))"
                }
            }
            return nil
        }
    }
}

struct AMQPEncodingError: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "cannot encode the message: \(String(cString: amqp_error_string2(status)))" }
}
