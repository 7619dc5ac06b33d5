import Foundation

/// `amqp://user:pass@host:port/vhost`
public struct AMQPURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String

    public init(host: String, port: Int = 5672, user: String = "guest", password: String = "guest", vhost: String = "/") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
    }

    public init(parsing text: String, variable: String = "RABBITMQ_URL") throws {
        guard let c = URLComponents(string: text), c.scheme == "amqp", let host = c.host, !host.isEmpty else {
            throw ConfigurationError(variable, "expected amqp://user:pass@host:port/vhost")
        }
        let path = c.percentEncodedPath
        let vhost = path.isEmpty || path == "/" ? "/" : String(path.dropFirst()).removingPercentEncoding ?? "/"
        self.init(
            host: host, port: c.port ?? 5672, user: c.user ?? "guest", password: c.password ?? "guest", vhost: vhost)
    }
}

/// `redis://[:password@]host:port[/db]`
public struct RedisURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    public init(parsing text: String, variable: String = "REDIS_URL") throws {
        guard let c = URLComponents(string: text), c.scheme == "redis", let host = c.host, !host.isEmpty else {
            throw ConfigurationError(variable, "expected redis://[:password@]host:port[/db]")
        }
        var db = 0
        if c.path.count > 1 {
            guard let n = Int(c.path.dropFirst()), n >= 0 else {
                throw ConfigurationError(variable, "database must be a non-negative integer")
            }
            db = n
        }
        let password = c.password.flatMap { $0.isEmpty ? nil : $0 }
        self.init(host: host, port: c.port ?? 6379, password: password, database: db)
    }
}

/// `postgres://user:pass@host:port/db`
public struct PostgresURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

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
    }
}
