import NIOCore

/// One AMQP frame, decoded: what `AMQPFrameDecoder` passes up the pipeline.
enum AMQPFrame: Equatable, Sendable {
    case method(channel: UInt16, AMQPMethod)
    case header(channel: UInt16, AMQPContentHeader)
    /// A slice of the bytes read (no copy); the consumer copies it into its delivery.
    case body(channel: UInt16, ByteBuffer)
    case heartbeat

    static let methodType: UInt8 = 1
    static let headerType: UInt8 = 2
    static let bodyType: UInt8 = 3
    static let heartbeatType: UInt8 = 8
    static let end: UInt8 = 0xCE
    /// Type (1), channel (2), payload size (4) before the payload, and the end marker after it.
    static let overhead = 8

    var channel: UInt16 {
        switch self {
        case .method(let channel, _), .header(let channel, _), .body(let channel, _): channel
        case .heartbeat: 0
        }
    }
}

/// A content header frame: the size of the body frames that follow, and the properties we use.
struct AMQPContentHeader: Equatable, Sendable {
    var classID: UInt16 = 60
    var bodySize: UInt64
    var properties: AMQPProperties
}

/// The `basic` properties this client writes and reads; the others are ignored.
struct AMQPProperties: Equatable, Sendable {
    var contentType: String?
    /// 2 = persistent.
    var deliveryMode: UInt8?
    /// The publisher's delivery tag, so a `basic.return` names the publish it returns.
    var messageID: String?
    /// The string-valued headers (trace context, …).
    var headers: [String: String] = [:]
}
