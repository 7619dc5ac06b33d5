import Logging
import NIOCore
import NIOPosix
import Synchronization
import TableOrderConnections
import TableOrderCore

/// Redis for commands, on the event loops: one pipelined connection per loop of the group, each kept
/// up by a `ConnectionSupervisor` (reconnecting with backoff, through Sentinel when configured).
///
/// A caller running on one of the group's loops (every request, with the event-loop executor) uses that
/// loop's connection: its command is written without a thread hop and its reply resumes it on the same
/// thread. Commands of one loop turn go out in one write. Without a connection, calls fail at once with
/// `RedisError`, so callers bypass the cache or fail the limiter open instead of waiting.
public final class RedisClient: Sendable {
    let settings: RedisConnectionSettings
    private let connections: [RedisConnection]
    /// Spreads callers that are not on one of the loops.
    private let nextConnection = Atomic<Int>(0)

    /// Starts connecting at once.
    /// - Parameters:
    ///   - url: Credentials, database, and (without `sentinels`) the host.
    ///   - sentinels: Find the primary through these sentinels, and follow its failovers.
    ///   - security: `.tls(…)` for `rediss://` (to the sentinels too), else `.plaintext`.
    ///   - eventLoopGroup: One connection is made on each of its loops; pass the group requests run on.
    ///   - logger: For connects, losses and failovers.
    ///   - name: Names the connections in logs.
    public init(
        url: RedisURL, sentinels: RedisSentinels? = nil, security: TransportSecurity,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
        name: String = "redis"
    ) {
        let settings = RedisConnectionSettings(
            url: url, sentinels: sentinels, security: security, eventLoopGroup: eventLoopGroup, logger: logger)
        self.settings = settings
        let loops = Array(eventLoopGroup.makeIterator())
        self.connections = loops.enumerated().map { index, loop in
            let connectionName = loops.count == 1 ? name : "\(name)-\(index)"
            return RedisConnection(
                name: connectionName, supervisor: settings.makeSupervisor(name: connectionName, on: loop),
                handshake: settings.handshake, logger: logger)
        }
        for connection in connections { connection.supervisor.start(connection) }
    }

    /// Whether every connection is up (past its handshake).
    public var isConnected: Bool { connections.allSatisfy(\.supervisor.isReady) }

    /// Why a connection is down (its last error), for `/readyz` and logs.
    public var lastErrorDescription: String {
        (connections.first { !$0.supervisor.isReady } ?? connections[0]).supervisor.lastError
    }

    /// Sends one command and returns its reply. A Redis error reply is returned as `.error`, not thrown.
    /// - Parameters:
    ///   - arguments: The command's name and arguments, binary-safe.
    /// - Throws: `RedisError` when Redis is unavailable, the connection is lost before the reply, or the
    ///   client is stopped.
    public func send(_ arguments: [[UInt8]]) async throws -> RESPValue {
        guard !arguments.isEmpty else { throw RedisError("an empty command") }
        let connection = self.connection()
        return try await withCheckedThrowingContinuation { continuation in
            connection.send(arguments, .continuation(continuation))
        }
    }

    /// Sends one command made of strings (UTF-8).
    public func send(_ arguments: String...) async throws -> RESPValue {
        try await send(arguments.map { Array($0.utf8) })
    }

    /// Sends several commands in this order, on one connection, in one pipeline.
    /// - Returns: Each command's reply or error, in the commands' order.
    public func sendAll(_ commands: [[[UInt8]]]) async -> [Result<RESPValue, any Error>] {
        guard !commands.isEmpty else { return [] }
        guard commands.allSatisfy({ !$0.isEmpty }) else {
            return commands.map { _ in .failure(RedisError("not sent: the batch has an empty command")) }
        }
        let connection = self.connection()
        return await withCheckedContinuation { continuation in
            let batch = RedisBatch(count: commands.count) { continuation.resume(returning: $0) }
            connection.send(commands, batch)
        }
    }

    /// Fails what waits with "redis client stopped", as every later call, and closes the connections.
    public func shutdown() async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask { try? await connection.shutdown().get() }
            }
        }
    }

    private func connection() -> RedisConnection {
        if connections.count == 1 { return connections[0] }
        if let current = MultiThreadedEventLoopGroup.currentEventLoop {
            for connection in connections where connection.eventLoop === current { return connection }
        }
        let index = nextConnection.wrappingAdd(1, ordering: .relaxed).newValue
        return connections[Int(index.magnitude % UInt(connections.count))]
    }
}
