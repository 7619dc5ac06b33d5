import Logging
import TableOrderAuth
import TableOrderCore

/// Everything the routes use, built once at start: adapters chosen by configuration behind protocols,
/// so handlers are the same code in every mode.
struct Dependencies: Sendable {
    var settings: Settings
    var reads: any ReadRepository
    /// Reports and history: the replica when `DATABASE_READ_URL` is set, else `reads`.
    var replica: any ReadRepository
    var cache: CacheManager
    var commands: CommandSender
    var tokens: TokenService
    /// Revoked tokens, followed from the revocation log (every authenticated request is checked).
    var revocations: RevocationList
    var hub: EventHub
    var limiter: RateLimitGate
    var readiness: @Sendable () async -> [String]
    var logger: Logger
    /// Idempotency checks of keyed orders, several per query.
    var requestHashes: RequestHashLookup
    var decodedMenus = DecodedMenus()
}
