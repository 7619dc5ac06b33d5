import HTTPTypes
import Hummingbird
import NIOCore
import TableOrderCommon

extension ServiceError {
    /// The contract's error response (`{"error": {"code", "message"}}`, JSON, `Retry-After` for 429/503):
    /// the one place where errors become HTTP, for the API and the workers' operations endpoints alike.
    public var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        let body = ErrorBody(error: .init(code: code.rawValue, message: message))
        let bytes = (try? JSON.encode(body)) ?? []
        return Response(
            status: HTTPResponse.Status(code: code.httpStatus), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
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
