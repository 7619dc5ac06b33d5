import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TableOrderCore
import TableOrderHTTP
import TableOrderStorage

/// Maps every error to the contract's shape in one place: `{"error": {"code", "message"}}`.
/// Installed first on the router, so it also wraps the not-found responder and framework errors.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: Self.serviceError(error, logger: context.logger))
        }
    }

    static func serviceError(_ error: any Error, logger: Logger) -> ServiceError {
        switch error {
        case let error as ServiceError:
            return error
        case let error as DecodingError:
            return .validation(error.fieldMessage)
        case let error as HTTPError:
            switch error.status.code {
            case 404: return .notFound("no such resource")
            case 405: return .notFound("method not allowed on this resource")
            case 413: return .init(.payloadTooLarge, "request body over 64 KiB")
            case 400: return .validation(error.body ?? "bad request")
            default:
                logger.error("unexpected HTTP error", metadata: ["status": "\(error.status.code)"])
                return .init(.internal, "internal error")
            }
        case let error where DatabaseUnavailable.isCause(of: error):
            logger.warning("database unavailable", metadata: ["error": "\(error)"])
            return .unavailable("the database is unavailable; retry shortly", retryAfter: 2)
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return .init(.internal, "internal error")
        }
    }

    static func response(for error: ServiceError) -> Response { error.response }
}
