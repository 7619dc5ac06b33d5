import NIOCore
import TableOrderConnections

/// What a session tells its supervisor: the connection is ready, why it fails, and stop. Closures, so
/// that the sessions run on an `EmbeddedChannel` in tests without a supervisor.
struct AMQPSessionHooks: Sendable {
    var ready: @Sendable () -> Void
    var record: @Sendable (String) -> Void
    /// Stops reconnecting and closes the connection (politely: see `AMQPConnectionHandler`).
    var stop: @Sendable () -> EventLoopFuture<Void>

    static func supervisor(_ supervisor: ConnectionSupervisor) -> AMQPSessionHooks {
        AMQPSessionHooks(
            ready: { supervisor.sessionReady() }, record: { supervisor.record($0) }, stop: { supervisor.shutdown() })
    }
}
