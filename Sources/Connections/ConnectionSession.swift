import NIOCore
import TableOrderCore

/// A protocol's side of a supervised connection (a Redis client, an AMQP publisher, …).
///
/// The supervisor calls these on its event loop, in this order for each connection: `configure`,
/// `connectionOpened`, then `connectionClosed` once. A session that finds its connection unusable
/// (a protocol error, a close from the server) closes the channel; the supervisor then reconnects.
public protocol ConnectionSession: AnyObject, Sendable {
    /// Adds the protocol's codec and handlers to a new channel, behind TLS if any. Synchronous.
    func configure(_ channel: any Channel) throws
    /// The transport is up: start the protocol's handshake, and call `ConnectionSupervisor.sessionReady()`
    /// when it is done.
    func connectionOpened(_ channel: any Channel)
    /// The channel closed: fail or keep, as the protocol says, what waited on it.
    func connectionClosed()
}
