import Hummingbird
import Logging
import NIOCore
import TableOrderAuth
import TableOrderCore

/// The request context of every route: the verified token's claims (set by `AuthMiddleware`), the
/// client's address (for login limits; `ClientAddressMiddleware` reads it behind a trusted proxy) and,
/// for the event stream, its connection. Request bodies are read by `RequestBodyReader` with the
/// contract's 64 KiB limit, so the framework's own limit is set just above it.
struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    var claims: AccessClaims?
    let remoteAddress: SocketAddress?
    /// The connection's stream, when `StreamTakeoverHandler` took the request over.
    var liveStream: LiveStream?
    /// The client's address as a trusted proxy gave it (`ClientAddressMiddleware`).
    var forwardedClientAddress: String?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's address (no port), for per-address limits: the TCP peer unless a trusted proxy said
    /// otherwise. Worked out when asked (logins), not for every request.
    var clientAddress: String { forwardedClientAddress ?? remoteAddress?.ipAddress ?? "unknown" }

    var maxUploadSize: Int { RequestBodyReader.maximumBytes + 1 }

    /// The caller's claims, or 401 if unauthenticated, 403 if of another role.
    func require(_ role: AccessClaims.Role) throws -> AccessClaims {
        guard let claims else { throw ServiceError.unauthorized() }
        guard claims.role == role else { throw ServiceError.forbidden("this endpoint is for \(role.rawValue)s") }
        return claims
    }

    func requireAny() throws -> AccessClaims {
        guard let claims else { throw ServiceError.unauthorized() }
        return claims
    }
}
