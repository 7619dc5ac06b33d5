import Foundation

/// The parts of a broker URL whose authority may list several hosts (`scheme://user:pass@h1:p1,h2:p2/path`),
/// which `URLComponents` does not parse.
struct MultiHostURL {
    var scheme: String
    var user: String?
    var password: String?
    var hosts: [BrokerEndpoint]
    /// After the authority, without the leading `/` (percent-decoded).
    var path: String

    init(parsing text: String, schemes: [String: Int], variable: String, expected: String) throws {
        guard let schemeEnd = text.range(of: "://"), let port = schemes[String(text[..<schemeEnd.lowerBound])] else {
            throw ConfigurationError(variable, "expected \(expected)")
        }
        scheme = String(text[..<schemeEnd.lowerBound])
        var rest = text[schemeEnd.upperBound...]
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let rawPath = rest[authorityEnd...].dropFirst()
        guard let decodedPath = String(rawPath).removingPercentEncoding else {
            throw ConfigurationError(variable, "bad percent-encoding in the path")
        }
        path = decodedPath
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            // A `%` that is not an escape must not turn into the default credentials (guest/guest, no AUTH).
            func decoded(_ part: Substring) throws -> String {
                guard let text = String(part).removingPercentEncoding else {
                    throw ConfigurationError(variable, "bad percent-encoding in the user or password")
                }
                return text
            }
            user = try parts.first.map(decoded)
            password = parts.count > 1 ? try decoded(parts[1]) : nil
        }
        hosts = try authority.split(separator: ",", omittingEmptySubsequences: false).map {
            try BrokerEndpoint(parsing: $0, defaultPort: port, variable: variable)
        }
        guard !hosts.isEmpty else { throw ConfigurationError(variable, "expected \(expected)") }
    }
}

/// `amqp://user:pass@host:port/vhost`, or `amqps://` for TLS. The authority may list several hosts of
/// one cluster (`amqp://user:pass@rabbit-0,rabbit-1:5673,rabbit-2/vhost`), as may a comma-separated list
/// of whole URLs with the same user, vhost and scheme.
public struct AMQPURL: Sendable, Equatable {
    /// In the order they are tried; a lost connection moves on to the next.
    public var endpoints: [BrokerEndpoint]
    public var user: String
    public var password: String
    public var vhost: String
    public var tls: Bool

    public var host: String { endpoints[0].host }
    public var port: Int { endpoints[0].port }

    public init(host: String, port: Int = 5672, user: String = "guest", password: String = "guest", vhost: String = "/", tls: Bool = false) {
        self.init(endpoints: [BrokerEndpoint(host: host, port: port)], user: user, password: password, vhost: vhost, tls: tls)
    }

    public init(endpoints: [BrokerEndpoint], user: String = "guest", password: String = "guest", vhost: String = "/", tls: Bool = false) {
        self.endpoints = endpoints
        self.user = user
        self.password = password
        self.vhost = vhost
        self.tls = tls
    }

    public init(parsing text: String, variable: String = "RABBITMQ_URL") throws {
        let expected = "amqp[s]://user:pass@host:port[,host:port…]/vhost"
        // A list of whole URLs: each one's hosts, in order, sharing the first one's credentials and vhost.
        let urls = text.split(separator: ",", omittingEmptySubsequences: false).reduce(into: [String]()) { urls, part in
            if part.contains("://") || urls.isEmpty { urls.append(String(part)) } else { urls[urls.count - 1] += "," + part }
        }
        let parsed = try urls.map {
            try MultiHostURL(parsing: $0, schemes: ["amqp": 5672, "amqps": 5671], variable: variable, expected: expected)
        }
        let first = parsed[0]
        for other in parsed.dropFirst()
        where other.scheme != first.scheme || other.user != first.user || other.password != first.password
            || other.path != first.path
        {
            throw ConfigurationError(variable, "the URLs of one cluster must share scheme, user, password and vhost")
        }
        self.init(
            endpoints: parsed.flatMap(\.hosts), user: first.user ?? "guest", password: first.password ?? "guest",
            vhost: first.path.isEmpty ? "/" : first.path, tls: first.scheme == "amqps")
    }
}

/// `redis://[[user]:password@]host:port[/db]`, or `rediss://` for TLS.
public struct RedisURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// For Redis 6 ACL users; `nil` authenticates as `default` (plain `AUTH password`).
    public var username: String?
    public var password: String?
    public var database: Int
    public var tls: Bool

    public var endpoint: BrokerEndpoint { BrokerEndpoint(host: host, port: port) }

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0, tls: Bool = false) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    public init(parsing text: String, variable: String = "REDIS_URL") throws {
        let url = try MultiHostURL(
            parsing: text, schemes: ["redis": 6379, "rediss": 6379], variable: variable,
            expected: "redis[s]://[:password@]host:port[/db]")
        guard url.hosts.count == 1 else {
            throw ConfigurationError(variable, "one host only: for several, use REDIS_SENTINELS")
        }
        var db = 0
        if !url.path.isEmpty {
            guard let n = Int(url.path), n >= 0 else {
                throw ConfigurationError(variable, "database must be a non-negative integer")
            }
            db = n
        }
        self.init(
            host: url.hosts[0].host, port: url.hosts[0].port, username: url.user.flatMap { $0.isEmpty ? nil : $0 },
            password: url.password.flatMap { $0.isEmpty ? nil : $0 }, database: db, tls: url.scheme == "rediss")
    }
}

/// Redis behind Sentinel: clients ask the sentinels which server is the primary of `masterName`, and ask
/// again after a failover. `REDIS_URL` still gives the credentials, database and scheme (`rediss` also
/// speaks TLS to the sentinels); its host is not used.
public struct RedisSentinels: Sendable, Equatable {
    public var endpoints: [BrokerEndpoint]
    public var masterName: String

    public init(endpoints: [BrokerEndpoint], masterName: String) {
        self.endpoints = endpoints
        self.masterName = masterName
    }

    /// `REDIS_SENTINELS=host:port,host:port` and `REDIS_SENTINEL_MASTER=name`.
    public init?(sentinels: String?, master: String?) throws {
        guard let sentinels, !sentinels.isEmpty else {
            if let master, !master.isEmpty { throw ConfigurationError("REDIS_SENTINELS", "required with REDIS_SENTINEL_MASTER") }
            return nil
        }
        guard let master, !master.isEmpty else { throw ConfigurationError("REDIS_SENTINEL_MASTER", "required with REDIS_SENTINELS") }
        self.endpoints = try sentinels.split(separator: ",", omittingEmptySubsequences: false).map {
            try BrokerEndpoint(parsing: $0, defaultPort: 26379, variable: "REDIS_SENTINELS")
        }
        self.masterName = master
    }
}

/// `postgres://user:pass@host:port/db[?sslmode=…&sslrootcert=…]`
public struct PostgresURL: Sendable, Equatable {
    /// libpq's `sslmode` names, with one difference: every mode that uses TLS verifies the server's chain,
    /// and all but `verify-ca` its name too (libpq's `prefer` and `require` check neither). A deployment
    /// that asks for TLS is protected against an impostor unless it says otherwise.
    public enum TLSMode: String, Sendable, Equatable {
        case disable
        /// TLS if the server offers it, else plaintext.
        case prefer
        /// TLS or no connection; chain and name verified.
        case require
        /// TLS, chain verified, name not (a certificate for another name of the same server).
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode
    /// `sslrootcert`: the PEM roots to trust for this database, instead of `TLS_CA_FILE` or the system's.
    public var rootCertificateFile: String?

    public init(parsing text: String, variable: String = "DATABASE_URL") throws {
        guard let c = URLComponents(string: text), c.scheme == "postgres" || c.scheme == "postgresql",
            let host = c.host, !host.isEmpty, let user = c.user, !user.isEmpty
        else {
            throw ConfigurationError(variable, "expected postgres://user:pass@host:port/db")
        }
        let db = String(c.path.dropFirst())
        guard !db.isEmpty else { throw ConfigurationError(variable, "database name is missing") }
        self.host = host
        self.port = c.port ?? 5432
        self.user = user
        self.password = c.password
        self.database = db
        self.tlsMode = .disable
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                let value = item.value ?? ""
                // libpq's `allow` (plaintext first) is `prefer` here: a client that would take TLS should try it first.
                guard let mode = value == "allow" ? .prefer : TLSMode(rawValue: value) else {
                    throw ConfigurationError(variable, "sslmode must be disable, allow, prefer, require, verify-ca or verify-full")
                }
                self.tlsMode = mode
            case "sslrootcert":
                self.rootCertificateFile = item.value.flatMap { $0.isEmpty ? nil : $0 }
            case "sslcert", "sslkey", "sslpassword", "sslcrl":
                // Refused rather than ignored: a deployment that asks for client certificates must not run without.
                throw ConfigurationError(variable, "\(item.name): client certificates are not supported")
            default:
                // libpq's other parameters (application_name, connect_timeout, …) do not change what is
                // connected to or how it is protected; they are accepted and not used.
                continue
            }
        }
    }
}
