import NIOCore

/// Puts a message back together from its frames: a content-carrying method (`basic.deliver`,
/// `basic.return`, `basic.get-ok`), its content header, then body frames until the header's body size.
/// Pure; the consumer, the publisher (returns) and the admin connection (`basic.get`) each keep one.
struct AMQPContentAssembler {
    struct Message: Equatable, Sendable {
        var method: AMQPMethod
        var properties: AMQPProperties
        var body: [UInt8]
    }

    enum Result: Equatable {
        /// The frame was taken; the message is not whole yet.
        case incomplete
        case complete(Message)
        /// The frames do not make a message: the connection is unusable.
        case protocolError(String)
    }

    private enum State {
        case idle
        case awaitingHeader(AMQPMethod)
        case awaitingBody(AMQPMethod, AMQPProperties, remaining: Int, body: [UInt8])
    }

    /// Whether the body bytes are kept (a returned message's body is not needed).
    private let keepsBody: Bool
    private var state = State.idle

    init(keepsBody: Bool = true) { self.keepsBody = keepsBody }

    static let maximumBodySize: UInt64 = 128 << 20

    /// A method that carries content: its header and body follow.
    mutating func start(_ method: AMQPMethod) -> Result {
        guard case .idle = state else { return .protocolError("\(method.name) in the middle of another message") }
        state = .awaitingHeader(method)
        return .incomplete
    }

    mutating func header(_ header: AMQPContentHeader) -> Result {
        guard case .awaitingHeader(let method) = state else { return .protocolError("content header without a method") }
        // RabbitMQ's own default limit (`max_message_size`): a broker that announces more is broken or
        // hostile, and the body would be held in memory whole.
        guard header.bodySize <= Self.maximumBodySize else {
            return .protocolError("a body of \(header.bodySize) bytes, over \(Self.maximumBodySize)")
        }
        let size = Int(header.bodySize)
        if size == 0 {
            state = .idle
            return .complete(Message(method: method, properties: header.properties, body: []))
        }
        var body: [UInt8] = []
        // Reserve what the header announces, within reason: the frames still have to arrive.
        if keepsBody { body.reserveCapacity(min(size, 1 << 20)) }
        state = .awaitingBody(method, header.properties, remaining: size, body: body)
        return .incomplete
    }

    mutating func body(_ bytes: ByteBuffer) -> Result {
        guard case .awaitingBody(let method, let properties, let remaining, var body) = state else {
            return .protocolError("body frame without a content header")
        }
        guard bytes.readableBytes <= remaining else { return .protocolError("body frames exceed the announced size") }
        state = .idle  // drop our reference so `body` is uniquely owned while appending
        if keepsBody { body.append(contentsOf: bytes.readableBytesView) }
        let left = remaining - bytes.readableBytes
        if left == 0 {
            return .complete(Message(method: method, properties: properties, body: body))
        }
        state = .awaitingBody(method, properties, remaining: left, body: body)
        return .incomplete
    }

    /// The connection is gone: a partial message is dropped.
    mutating func reset() { state = .idle }
}
