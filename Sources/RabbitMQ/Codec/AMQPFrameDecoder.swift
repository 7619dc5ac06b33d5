import CRabbitMQ
import NIOCore

/// The largest frame the connection accepts, shared by the decoder and the connection handler (which
/// lowers it to the negotiated `frame_max` after `connection.tune`). Event loop only.
final class AMQPFrameLimit {
    var maximumFrameSize: Int

    init(maximumFrameSize: Int = AMQPFrameLimit.clientMaximum) { self.maximumFrameSize = maximumFrameSize }

    /// What this client proposes in `tune-ok`: librabbitmq's default and RabbitMQ's own.
    static let clientMaximum = 131_072
}

/// Splits the byte stream into AMQP frames: a 7-byte header (type, channel, payload size), the payload,
/// and the 0xCE end marker. Method payloads go through `amqp_decode_method`, content headers through
/// `amqp_decode_properties`, both into a pool recycled after each frame once the values are copied out.
struct AMQPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = AMQPFrame

    let limit: AMQPFrameLimit
    private let pool = AMQPPool()

    init(limit: AMQPFrameLimit = AMQPFrameLimit()) { self.limit = limit }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial frame left at close is dropped: the connection is gone with it.
        try decode(context: context, buffer: &buffer)
    }

    /// The next whole frame in `buffer`, consumed; `nil` (nothing consumed) if it has not all arrived.
    func next(from buffer: inout ByteBuffer) throws(AMQPCodecError) -> AMQPFrame? {
        let start = buffer.readerIndex
        guard let type = buffer.getInteger(at: start, as: UInt8.self),
            let channel = buffer.getInteger(at: start + 1, as: UInt16.self),
            let size = buffer.getInteger(at: start + 3, as: UInt32.self)
        else {
            if buffer.getInteger(at: start, as: UInt8.self) == UInt8(ascii: "A") { return try refusedProtocol(buffer) }
            return nil
        }
        if type == UInt8(ascii: "A") { return try refusedProtocol(buffer) }
        let total = Int(size) + AMQPFrame.overhead
        guard total <= limit.maximumFrameSize else {
            throw .frameTooLarge(size: total, maximum: limit.maximumFrameSize)
        }
        guard buffer.readableBytes >= total else { return nil }
        let end = buffer.getInteger(at: start + total - 1, as: UInt8.self)!
        guard end == AMQPFrame.end else { throw .missingFrameEnd(found: end) }

        buffer.moveReaderIndex(forwardBy: 7)
        var payload = buffer.readSlice(length: Int(size))!
        buffer.moveReaderIndex(forwardBy: 1)
        switch type {
        case AMQPFrame.methodType:
            return .method(channel: channel, try decodeMethod(&payload))
        case AMQPFrame.headerType:
            return .header(channel: channel, try decodeHeader(&payload))
        case AMQPFrame.bodyType:
            return .body(channel: channel, payload)
        case AMQPFrame.heartbeatType:
            guard channel == 0 else { throw .malformedFrame("heartbeat on channel \(channel)") }
            return .heartbeat
        default:
            throw .unknownFrameType(type)
        }
    }

    private func decodeMethod(_ payload: inout ByteBuffer) throws(AMQPCodecError) -> AMQPMethod {
        guard let id = payload.readInteger(as: UInt32.self) else {
            throw .malformedFrame("method frame without a method id")
        }
        defer { pool.recycle() }
        return try payload.withUnsafeReadableBytes { (arguments) throws(AMQPCodecError) in
            try AMQPMethod.decode(id: id, arguments: arguments, pool: pool)
        }
    }

    private func decodeHeader(_ payload: inout ByteBuffer) throws(AMQPCodecError) -> AMQPContentHeader {
        guard let classID = payload.readInteger(as: UInt16.self), payload.readInteger(as: UInt16.self) != nil,
            let bodySize = payload.readInteger(as: UInt64.self)
        else { throw .malformedFrame("content header shorter than 12 bytes") }
        defer { pool.recycle() }
        let properties = try payload.withUnsafeReadableBytes { (encoded) throws(AMQPCodecError) -> AMQPProperties in
            var decoded: UnsafeMutableRawPointer?
            let bytes = amqp_bytes_t(len: encoded.count, bytes: UnsafeMutableRawPointer(mutating: encoded.baseAddress))
            let status = amqp_decode_properties(classID, pool.pointer, bytes, &decoded)
            guard status == AMQP_STATUS_OK.rawValue, let decoded else {
                throw .undecodableProperties(classID: classID, status: status)
            }
            guard classID == 60 else { return AMQPProperties() }
            return AMQPProperties(decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
        }
        return AMQPContentHeader(classID: classID, bodySize: bodySize, properties: properties)
    }

    private func refusedProtocol(_ buffer: ByteBuffer) throws(AMQPCodecError) -> AMQPFrame? {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 8) else { return nil }
        throw .protocolVersionRefused(header)
    }
}

extension AMQPProperties {
    /// Copies the properties we use out of librabbitmq's memory.
    init(_ p: amqp_basic_properties_t) {
        func has(_ flag: Int32) -> Bool { p._flags & amqp_flags_t(flag) != 0 }
        self.init(
            contentType: has(AMQP_BASIC_CONTENT_TYPE_FLAG) ? p.content_type.string : nil,
            deliveryMode: has(AMQP_BASIC_DELIVERY_MODE_FLAG) ? p.delivery_mode : nil,
            messageID: has(AMQP_BASIC_MESSAGE_ID_FLAG) ? p.message_id.string : nil,
            headers: has(AMQP_BASIC_HEADERS_FLAG) ? stringHeaders(p.headers) : [:])
    }
}
