import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import TableOrderAuth
import TableOrderCore

extension HTTPField.Name {
    static let rateLimitLimit = Self("X-RateLimit-Limit")!
    static let rateLimitRemaining = Self("X-RateLimit-Remaining")!
}

/// Verifies a Bearer token when one is sent, refuses it if it was revoked (logout, password change or
/// reset: checked in memory against `RevocationList`, tokens remembered as verified included), and counts
/// the request against its user's sliding window (contract §4): one limiter round trip per request, a
/// refused request does not consume the window, and every counted response says what is left. Routes
/// that need a caller check `context.require`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let revocations: RevocationList
    let limiter: RateLimitGate
    let settings: Settings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard let token = Self.bearerToken(header) else { throw ServiceError.unauthorized("expected a Bearer token") }
        let claims = try await tokens.verify(token)
        try revocations.check(claims)
        let decision = try await limiter.check(
            key: "user:\(claims.userID)", limit: settings.rateLimit, windowSeconds: settings.rateLimitWindowSeconds)
        var context = context
        context.claims = claims
        var response: Response
        if let decision, !decision.allowed {
            response = ErrorMiddleware<Context>.response(
                for: ServiceError(.rateLimited, "too many requests", retryAfterSeconds: decision.retryAfterSeconds))
        } else {
            do {
                response = try await next(request, context)
            } catch {
                response = ErrorMiddleware<Context>.response(for: ErrorMiddleware<Context>.serviceError(error, logger: context.logger))
            }
        }
        if let decision {
            response.headers[.rateLimitLimit] = String(decision.limit)
            response.headers[.rateLimitRemaining] = String(decision.remaining)
        }
        return response
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, spaces around the token ignored). Plain
    /// UTF-8 work: this runs on every request, and Foundation's trimming bridges through `NSString`.
    static func bearerToken(_ header: String) -> String? {
        let bytes = header.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")),
            String(header[..<space]).lowercased() == "bearer"
        else { return nil }
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var rest = bytes[bytes.index(after: space)...]
        while let first = rest.first, isBlank(first) { rest = rest.dropFirst() }
        while let last = rest.last, isBlank(last) { rest = rest.dropLast() }
        return rest.isEmpty ? nil : String(Substring(rest))
    }
}

/// Applies a limiter with the configured failure policy: when the limiter's store is down, requests pass
/// (fail open, the default) or are refused with 503 (`RATE_LIMIT_FAIL_CLOSED=true`); a metric and a log
/// line say so either way.
struct RateLimitGate: Sendable {
    let limiter: any RateLimiter
    let failClosed: Bool
    let logger: Logger
    private let failures = Counter(label: "tableorder_rate_limiter_failures_total")

    init(limiter: any RateLimiter, failClosed: Bool, logger: Logger) {
        self.limiter = limiter
        self.failClosed = failClosed
        self.logger = logger
    }

    /// The decision, or `nil` when the limiter is down and the policy is to let the request through.
    func check(key: String, limit: Int, windowSeconds: Int) async throws -> RateLimitDecision? {
        do {
            return try await limiter.consume(key: key, limit: limit, windowSeconds: windowSeconds)
        } catch {
            failures.increment()
            logger.warning(
                "rate limiter unavailable", metadata: ["error": "\(error)", "policy": "\(failClosed ? "closed" : "open")"])
            if failClosed { throw ServiceError.unavailable("rate limiter unavailable", retryAfter: 1) }
            return nil
        }
    }

    /// Throws 429 when refused.
    func enforce(key: String, limit: Int, windowSeconds: Int) async throws {
        if let decision = try await check(key: key, limit: limit, windowSeconds: windowSeconds), !decision.allowed {
            throw ServiceError(.rateLimited, "too many attempts", retryAfterSeconds: decision.retryAfterSeconds)
        }
    }
}
