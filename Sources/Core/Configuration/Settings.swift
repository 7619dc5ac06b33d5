import Foundation
import Logging

/// Everything the processes read from the environment (contract §1), parsed and checked once at start.
public struct Settings: Sendable {
    public enum Mode: String, Sendable { case development, production }

    public var mode: Mode
    public var httpHost: String
    public var httpPort: Int
    public var database: PostgresURL?
    /// v1.1: a replica for reports and history (`DATABASE_READ_URL`); `nil`: `database`.
    public var databaseRead: PostgresURL?
    public var redis: RedisURL?
    public var rabbitMQ: AMQPURL?
    /// `REDIS_SENTINELS` + `REDIS_SENTINEL_MASTER`: find the Redis primary through Sentinel.
    public var redisSentinels: RedisSentinels?
    /// `TLS_CA_FILE`: PEM roots trusted for `amqps://`, `rediss://` and PostgreSQL's TLS, instead of the system's.
    public var tlsCAFile: String?
    public var jwtPublicKeyFile: String?
    public var jwtPrivateKeyFile: String?
    public var jwtIssuer: String
    public var rateLimit: Int
    public var rateLimitWindowSeconds: Int
    /// Login attempts per (store, user or table) per window; per client address it is three times this.
    public var loginRateLimit: Int
    /// When the limiter's store (Redis) is down: refuse with 503 instead of letting requests through.
    public var rateLimitFailClosed: Bool
    public var sseHeartbeatSeconds: Int
    public var cacheTTLSeconds: Int
    public var menuCacheTTLSeconds: Int
    public var logLevel: Logger.Level
    /// One JSON object per line (for log collectors) or swift-log's plain text (for a terminal).
    public var logFormat: LogFormat
    public var workerMetricsPort: Int
    public var sqlitePath: String
    /// How long the event log (SSE replay) and the applied-command ids are kept; at least the contract's 24 h.
    public var eventRetentionHours: Int
    /// A connection must deliver a request's head within this, or it is closed (slow-client defence).
    public var headerTimeoutSeconds: Int
    /// Live streams one user may hold on one API pod (v1.1 §1).
    public var sseMaxStreamsPerUser: Int
    /// Live streams one API pod holds in all; `nil`: derived from the open-file limit (`DescriptorBudget`).
    public var sseMaxStreams: Int?
    /// Peers whose `X-Forwarded-For` names the client (v1.1 §1); empty: the TCP peer is the client.
    public var trustedProxies: TrustedProxies

    public init(environment env: [String: String] = ProcessInfo.processInfo.environment) throws {
        func positive(_ name: String, _ fallback: Int, max: Int = 1_000_000_000) throws -> Int {
            guard let raw = env[name], !raw.isEmpty else { return fallback }
            guard let value = Int(raw), value > 0, value <= max else {
                throw ConfigurationError(name, "expected a positive integer, got '\(raw)'")
            }
            return value
        }
        let modeText = env["ENV"].flatMap { $0.isEmpty ? nil : $0 } ?? "development"
        guard let mode = Mode(rawValue: modeText) else {
            throw ConfigurationError("ENV", "expected development or production, got '\(modeText)'")
        }
        self.mode = mode
        self.httpHost = env["HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        self.httpPort = try positive("HTTP_PORT", 8080, max: 65535)
        self.workerMetricsPort = try positive("WORKER_METRICS_PORT", 9091, max: 65535)
        self.database = try env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : try PostgresURL(parsing: $0) }
        self.databaseRead = try env["DATABASE_READ_URL"].flatMap {
            $0.isEmpty ? nil : try PostgresURL(parsing: $0, variable: "DATABASE_READ_URL")
        }
        self.redis = try env["REDIS_URL"].flatMap { $0.isEmpty ? nil : try RedisURL(parsing: $0) }
        self.rabbitMQ = try env["RABBITMQ_URL"].flatMap { $0.isEmpty ? nil : try AMQPURL(parsing: $0) }
        self.redisSentinels = try RedisSentinels(sentinels: env["REDIS_SENTINELS"], master: env["REDIS_SENTINEL_MASTER"])
        self.tlsCAFile = env["TLS_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        self.jwtPublicKeyFile = env["JWT_PUBLIC_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        self.jwtPrivateKeyFile = env["JWT_PRIVATE_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        self.jwtIssuer = env["JWT_ISSUER"].flatMap { $0.isEmpty ? nil : $0 } ?? "tableorder"
        self.rateLimit = try positive("RATE_LIMIT", 100)
        self.rateLimitWindowSeconds = try positive("RATE_LIMIT_WINDOW_SECONDS", 60)
        self.loginRateLimit = try positive("LOGIN_RATE_LIMIT", 10)
        switch env["RATE_LIMIT_FAIL_CLOSED"]?.lowercased() ?? "" {
        case "", "0", "false", "no": self.rateLimitFailClosed = false
        case "1", "true", "yes": self.rateLimitFailClosed = true
        case let other: throw ConfigurationError("RATE_LIMIT_FAIL_CLOSED", "expected true or false, got '\(other)'")
        }
        self.sseHeartbeatSeconds = try positive("SSE_HEARTBEAT_SECONDS", 30)
        self.cacheTTLSeconds = try positive("CACHE_TTL_SECONDS", 300)
        self.menuCacheTTLSeconds = try positive("MENU_CACHE_TTL_SECONDS", 600)
        let level = env["LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "info"
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError("LOG_LEVEL", "expected trace, debug, info, notice, warning, error or critical")
        }
        self.logLevel = logLevel
        let defaultFormat: LogFormat = mode == .production ? .json : .text
        let formatText = env["LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultFormat.rawValue
        guard let logFormat = LogFormat(rawValue: formatText.lowercased()) else {
            throw ConfigurationError("LOG_FORMAT", "expected json or text, got '\(formatText)'")
        }
        self.logFormat = logFormat
        self.eventRetentionHours = try positive("EVENT_RETENTION_HOURS", 168)
        self.headerTimeoutSeconds = try positive("HTTP_HEADER_TIMEOUT_SECONDS", 30, max: 3600)
        self.sseMaxStreamsPerUser = try positive("SSE_MAX_STREAMS_PER_USER", 5, max: 1_000_000)
        self.sseMaxStreams = env["SSE_MAX_STREAMS"].flatMap { $0.isEmpty ? nil : $0 } == nil
            ? nil : try positive("SSE_MAX_STREAMS", 0, max: 10_000_000)
        self.trustedProxies = try TrustedProxies(parsing: env["TRUSTED_PROXIES"] ?? "")
        guard eventRetentionHours >= 24 else {
            throw ConfigurationError("EVENT_RETENTION_HOURS", "at least 24 (the contract replays the last 24 h)")
        }
        self.sqlitePath = env["TABLEORDER_SQLITE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "./tableorder.sqlite"
    }

    /// The three services of a production deployment, or the first missing variable as an error.
    public func requireServices() throws -> (database: PostgresURL, redis: RedisURL, rabbitMQ: AMQPURL) {
        guard let database else { throw ConfigurationError("DATABASE_URL", "required when ENV=production") }
        guard let redis else { throw ConfigurationError("REDIS_URL", "required when ENV=production") }
        guard let rabbitMQ else { throw ConfigurationError("RABBITMQ_URL", "required when ENV=production") }
        return (database, redis, rabbitMQ)
    }
}
