import TableOrderCore

/// Asking one sentinel where the primary is: `SENTINEL get-master-addr-by-name <master>`, after an
/// `AUTH` with the URL's credentials when it has any.
///
/// Pure: `RedisSentinelResolver` sends `commands` and feeds the replies here until a result comes out.
/// The `AUTH` reply is not checked: sentinels often have no password of their own (then `AUTH` fails
/// harmlessly), and one that needs a password it was not given refuses the `SENTINEL` command, whose
/// error is the one reported.
struct RedisSentinelQuery: Sendable {
    let masterName: String
    let commands: [[[UInt8]]]
    /// Replies still to come before the `SENTINEL` one (the `AUTH` reply).
    private var toSkip: Int
    private var finished = false

    /// - Parameters:
    ///   - masterName: The name the sentinels monitor the primary under.
    ///   - username: The ACL user to authenticate as, if any.
    ///   - password: Nil sends no `AUTH`.
    init(masterName: String, username: String?, password: String?) {
        self.masterName = masterName
        var commands: [[[UInt8]]] = []
        if let password {
            commands.append([Array("AUTH".utf8)] + (username.map { [Array($0.utf8)] } ?? []) + [Array(password.utf8)])
        }
        commands.append([Array("SENTINEL".utf8), Array("get-master-addr-by-name".utf8), Array(masterName.utf8)])
        self.commands = commands
        self.toSkip = commands.count - 1
    }

    /// The answer once the `SENTINEL` reply is in, nil before it (and after the answer).
    mutating func replyReceived(_ reply: RESPValue) -> Result<BrokerEndpoint, RedisError>? {
        guard !finished else { return nil }
        if toSkip > 0 {
            toSkip -= 1
            return nil
        }
        finished = true
        switch reply {
        case .array(let parts) where parts.count == 2:
            guard let host = parts[0].string, !host.isEmpty, let port = parts[1].int.map(Int.init), (1...65535).contains(port)
            else { return .failure(RedisError("sentinel gave a malformed address for \(masterName): \(reply.shape)")) }
            return .success(BrokerEndpoint(host: host, port: port))
        case .null, .array([]):
            return .failure(RedisError("sentinel does not know a primary named \(masterName)"))
        case .error(let message):
            return .failure(RedisError("sentinel refused: \(message)"))
        default:
            return .failure(RedisError("sentinel gave an unexpected reply for \(masterName): \(reply.shape)"))
        }
    }
}
