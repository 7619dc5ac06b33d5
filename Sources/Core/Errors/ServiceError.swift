/// The one error type that crosses layers: every failure a client can see is one of these cases, so the
/// HTTP layer maps exactly one type to the contract's statuses and body (`ServiceError+HTTP` in
/// TableOrderHTTP). Nothing here knows HTTP.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case validation = "VALIDATION_ERROR"
        case unauthorized = "UNAUTHORIZED"
        case invalidCredentials = "INVALID_CREDENTIALS"
        case forbidden = "FORBIDDEN"
        case notFound = "NOT_FOUND"
        case invalidTransition = "INVALID_TRANSITION"
        /// v1.1: valid, but the resource's state forbids it (a category that still has menus).
        case conflict = "CONFLICT"
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
        case idempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
        case rateLimited = "RATE_LIMIT_EXCEEDED"
        case unavailable = "SERVICE_UNAVAILABLE"
        case `internal` = "INTERNAL"
    }

    public let code: Code
    public let message: String
    /// Seconds a client should wait before retrying (429 and 503).
    public let retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func validation(_ message: String) -> Self { .init(.validation, message) }
    public static func unauthorized(_ message: String = "missing or invalid token") -> Self { .init(.unauthorized, message) }
    public static func forbidden(_ message: String = "not allowed") -> Self { .init(.forbidden, message) }
    public static func notFound(_ message: String) -> Self { .init(.notFound, message) }
    public static func unavailable(_ message: String, retryAfter: Int = 1) -> Self {
        .init(.unavailable, message, retryAfterSeconds: retryAfter)
    }
}
