import HTTPTypes
import Hummingbird
import TableOrderCore

extension HTTPField.Name {
    static let forwardedFor = Self("X-Forwarded-For")!
}

/// Sets the context's client address from `X-Forwarded-For` when the peer is a trusted proxy
/// (`TRUSTED_PROXIES`, see `TrustedProxies.clientAddress`). Installed only when proxies are configured.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trusted: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let peer = context.remoteAddress?.ipAddress.flatMap(IPAddress.init) else {
            return try await next(request, context)
        }
        let forwarded = request.headers[values: .forwardedFor].map { Substring($0) }
        var context = context
        context.forwardedClientAddress = trusted.clientAddress(peer: peer, forwardedFor: forwarded).description
        return try await next(request, context)
    }
}
