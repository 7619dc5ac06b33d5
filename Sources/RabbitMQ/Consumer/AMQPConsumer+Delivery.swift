extension AMQPConsumer {
    /// One message from the queue, to settle with `ack(through:generation:)` or `reject(_:generation:)`.
    public struct Delivery: Sendable, Equatable {
        public var body: [UInt8]
        /// The broker's delivery tag on this connection's channel.
        public var tag: UInt64
        /// The connection it came on; settlements for an older one are void.
        public var generation: Int
        /// The broker delivered it before (to this or another consumer) without an ack.
        public var redelivered: Bool
        /// The message's string-valued headers.
        public var headers: [String: String]

        public init(body: [UInt8], tag: UInt64, generation: Int, redelivered: Bool, headers: [String: String] = [:]) {
            self.body = body
            self.tag = tag
            self.generation = generation
            self.redelivered = redelivered
            self.headers = headers
        }
    }
}
