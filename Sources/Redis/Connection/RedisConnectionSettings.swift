import Logging
import NIOCore
import TableOrderConnections
import TableOrderCore

/// Where and how the connections of one Redis deployment connect: shared by the client's connections
/// and the subscriber, so both follow the same primary.
struct RedisConnectionSettings: Sendable {
    var url: RedisURL
    var sentinels: RedisSentinels?
    var security: TransportSecurity
    var eventLoopGroup: any EventLoopGroup
    var logger: Logger

    /// `AUTH` and `SELECT` from the URL; behind Sentinel, `ROLE` too.
    var handshake: RedisHandshake {
        RedisHandshake(
            username: url.username, password: url.password, database: url.database, requireMaster: sentinels != nil)
    }

    /// A supervisor on `eventLoop` that connects to the URL's host or, behind Sentinel, to the primary the
    /// sentinels name (asking them in turn).
    func makeSupervisor(name: String, on eventLoop: any EventLoop) -> ConnectionSupervisor {
        guard let sentinels else {
            return ConnectionSupervisor(
                name: name, endpoints: [url.endpoint], security: security, eventLoop: eventLoop, logger: logger)
        }
        let resolver = RedisSentinelResolver(sentinels: sentinels, url: url, security: security, logger: logger)
        return ConnectionSupervisor(
            name: name, endpoints: sentinels.endpoints, security: security, eventLoop: eventLoop,
            resolve: { sentinel, loop in resolver.resolve(sentinel, on: loop) }, logger: logger)
    }
}
