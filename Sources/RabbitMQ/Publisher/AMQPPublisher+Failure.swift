extension AMQPPublisher {
    /// Why a publish was not confirmed. Compare `code`; `description` says more.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// The kinds of failure; more may be added.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Base: String, Sendable {
                case notConnected, blocked, timedOut, nacked, unroutable, connectionLost, stopped, invalidMessage
            }
            private let base: Base
            private init(_ base: Base) { self.base = base }

            /// No connection to the broker now (connecting, or every host failed); refused at once.
            public static let notConnected = Code(.notConnected)
            /// The broker blocks publishers (memory or disk alarm); refused at once.
            public static let blocked = Code(.blocked)
            /// No confirm before the deadline; the broker may still take the message.
            public static let timedOut = Code(.timedOut)
            /// The broker refused the message (`basic.nack`).
            public static let nacked = Code(.nacked)
            /// A `mandatory` message that no queue took (`basic.return`).
            public static let unroutable = Code(.unroutable)
            /// The connection closed before the confirm; the broker may or may not have the message.
            public static let connectionLost = Code(.connectionLost)
            /// The publisher is shutting down.
            public static let stopped = Code(.stopped)
            /// The message cannot be put in frames (a name longer than 255 bytes); refused at once.
            public static let invalidMessage = Code(.invalidMessage)

            public var description: String { base.rawValue }
        }

        public let code: Code
        /// The broker's or the connection's own words, where there are some.
        public let detail: String?

        private init(_ code: Code, _ detail: String? = nil) {
            self.code = code
            self.detail = detail
        }

        public static func notConnected(_ why: String) -> Failure { Failure(.notConnected, why) }
        public static func blocked(_ reason: String) -> Failure { Failure(.blocked, reason) }
        public static let timedOut = Failure(.timedOut)
        public static let nacked = Failure(.nacked)
        public static let unroutable = Failure(.unroutable)
        public static let connectionLost = Failure(.connectionLost)
        public static let stopped = Failure(.stopped)
        public static func invalidMessage(_ why: String) -> Failure { Failure(.invalidMessage, why) }

        public var description: String {
            switch code {
            case .notConnected: "broker not connected: \(detail ?? "")"
            case .blocked: "broker blocks publishers: \(detail ?? "resource alarm")"
            case .timedOut: "no publisher confirm before the deadline"
            case .nacked: "broker refused the message"
            case .unroutable: "no queue took the message"
            case .connectionLost: "connection lost before the confirm"
            case .invalidMessage: "cannot encode the message: \(detail ?? "")"
            default: "publisher stopped"
            }
        }
    }
}
