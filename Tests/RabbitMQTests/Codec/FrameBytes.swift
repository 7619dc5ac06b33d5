import NIOCore

@testable import TableOrderRabbitMQ

/// Frames to bytes and back, as the broker would write and read them.
enum FrameBytes {
    static func method(_ method: AMQPMethod, channel: UInt16 = 1) -> ByteBuffer {
        var buffer = ByteBuffer()
        try! AMQPFrameEncoder().writeMethod(method, channel: channel, into: &buffer)
        return buffer
    }

    static func header(_ properties: AMQPProperties, bodySize: Int, channel: UInt16 = 1) -> ByteBuffer {
        var buffer = ByteBuffer()
        try! AMQPFrameEncoder().writeContentHeader(properties, bodySize: bodySize, channel: channel, into: &buffer)
        return buffer
    }

    static func body(_ bytes: [UInt8], channel: UInt16 = 1, frameMax: Int = 131_072) -> ByteBuffer {
        var buffer = ByteBuffer()
        AMQPFrameEncoder().writeBody(bytes, channel: channel, frameMax: frameMax, into: &buffer)
        return buffer
    }

    /// A whole message: method, header and body frames.
    static func message(
        _ method: AMQPMethod, properties: AMQPProperties = AMQPProperties(), body: [UInt8], channel: UInt16 = 1
    ) -> ByteBuffer {
        var buffer = Self.method(method, channel: channel)
        var header = Self.header(properties, bodySize: body.count, channel: channel)
        var bodies = Self.body(body, channel: channel)
        buffer.writeBuffer(&header)
        buffer.writeBuffer(&bodies)
        return buffer
    }

    /// Every whole frame in `buffer` (which must hold only whole frames).
    static func decodeAll(_ buffer: ByteBuffer, limit: Int = 1 << 20) throws -> [AMQPFrame] {
        var buffer = buffer
        let decoder = AMQPFrameDecoder(limit: AMQPFrameLimit(maximumFrameSize: limit))
        var frames: [AMQPFrame] = []
        while let frame = try decoder.next(from: &buffer) { frames.append(frame) }
        precondition(buffer.readableBytes == 0, "a partial frame is left")
        return frames
    }
}
