#if canImport(TableOrderRabbitMQ) && canImport(TableOrderRedis)
import Logging
import NIOPosix
import TableOrderConnections
import TableOrderCore
import TableOrderRabbitMQ
import TableOrderRedis

/// The test run's own clients of the services, as the processes make them: TLS when the URL says so
/// (`amqps://`, `rediss://`), trusting `TLS_CA_FILE` (ops/test.sh's TLS phase sets both).
enum BrokerClients {
    static func security(tls: Bool) throws -> TransportSecurity {
        tls ? try .tls(trustRootsFile: TestEnvironment.env["TLS_CA_FILE"]) : .plaintext
    }

    static func amqpURL() throws -> AMQPURL { try AMQPURL(parsing: TestEnvironment.rabbitURL!) }

    static func admin(_ name: String) throws -> AMQPAdminConnection {
        let url = try amqpURL()
        return AMQPAdminConnection(
            name: name, url: url, security: try security(tls: url.tls), eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
            logger: Logger(label: name))
    }

    static func redis(database: Int, name: String) throws -> RedisClient {
        let url = try RedisURL(parsing: TestEnvironment.redisURL(database: database))
        return RedisClient(url: url, security: try security(tls: url.tls), logger: Logger(label: name), name: name)
    }
}
#endif
