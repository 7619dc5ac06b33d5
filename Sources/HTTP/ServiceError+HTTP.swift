import HTTPTypes
import Hummingbird
import NIOCore
import TableOrderCore

/// The one place where errors become HTTP (contract §2), for the API and the worker's operations endpoints
/// alike: the status each code stands for, and the body `{"error": {"code", "message"}}` (JSON, with
/// `Retry-After` for 429 and 503). Where no middleware catches it (the worker's operations port), a thrown
/// `ServiceError` is answered by Hummingbird through `HTTPResponseError`; the API's `ErrorMiddleware` first
/// turns every other error into one and answers with `response`.
extension ServiceError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch code {
        case .validation: .badRequest
        case .unauthorized, .invalidCredentials: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .invalidTransition, .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .idempotencyKeyReused: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) -> Response { response }

    /// The response, where there is no request to answer (a refused connection, a stream's takeover).
    public var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        let body = ErrorBody(error: .init(code: code.rawValue, message: message))
        let bytes = (try? JSON.encode(body)) ?? []
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// `{"error": {"code", "message"}}`
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }
    var error: Detail
}
