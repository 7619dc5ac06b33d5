/// What a new connection says before it carries commands: `AUTH`, `SELECT`, and behind Sentinel a
/// `ROLE` that must answer `master` (a sentinel may still name a primary that has since been demoted);
/// with none of these, a `PING`.
///
/// There is always at least one round trip, so a connection counts as ready only once the server has
/// answered through it: after the TLS handshake, and not to a server that wants a password we lack
/// (its `NOAUTH` fails the `PING`). The commands go out pipelined, in one write; their replies come back
/// in the same order.
struct RedisHandshake: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case auth
        case select(Int)
        case role
        case ping
    }

    let steps: [Step]
    let commands: [[[UInt8]]]

    /// - Parameters:
    ///   - username: A Redis 6 ACL user; nil authenticates as `default`.
    ///   - password: Nil sends no `AUTH`.
    ///   - database: 0 sends no `SELECT`.
    ///   - requireMaster: Check with `ROLE` that the server is a primary.
    init(username: String?, password: String?, database: Int, requireMaster: Bool) {
        var steps: [Step] = []
        var commands: [[[UInt8]]] = []
        if let password {
            steps.append(.auth)
            commands.append([Array("AUTH".utf8)] + (username.map { [Array($0.utf8)] } ?? []) + [Array(password.utf8)])
        }
        if database != 0 {
            steps.append(.select(database))
            commands.append([Array("SELECT".utf8), Array(String(database).utf8)])
        }
        if requireMaster {
            steps.append(.role)
            commands.append([Array("ROLE".utf8)])
        }
        if steps.isEmpty {
            steps.append(.ping)
            commands.append([Array("PING".utf8)])
        }
        self.steps = steps
        self.commands = commands
    }

    /// Why this step's reply makes the connection unusable, or nil if it is what was asked for.
    static func problem(with reply: RESPValue, at step: Step) -> String? {
        switch step {
        case .auth:
            if case .error(let message) = reply { return "AUTH failed: \(message)" }
            return nil
        case .select(let database):
            if case .error(let message) = reply { return "SELECT \(database) failed: \(message)" }
            return nil
        case .role:
            guard case .array(let parts) = reply, let role = parts.first?.string else {
                return "ROLE failed: \(reply.errorMessage ?? "unexpected reply")"
            }
            // A demoted primary: the sentinel that named it has not seen the failover yet.
            return role == "master" ? nil : "the server is not the primary (ROLE says \(role))"
        case .ping:
            if case .error(let message) = reply { return "PING failed: \(message)" }
            return nil
        }
    }
}
