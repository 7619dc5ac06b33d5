import TableOrderCore
import Testing

@Suite("Service URLs: hosts, TLS, Sentinel")
struct ServiceURLTests {
    @Test("RABBITMQ_URL lists a cluster's hosts in one authority or as whole URLs")
    func amqpHostLists() throws {
        let one = try AMQPURL(parsing: "amqp://u:p@r0,r1:5673,[::1]:5674/v%2Fh")
        #expect(one.endpoints == [
            BrokerEndpoint(host: "r0", port: 5672), BrokerEndpoint(host: "r1", port: 5673),
            BrokerEndpoint(host: "::1", port: 5674),
        ])
        #expect(one.user == "u" && one.password == "p" && one.vhost == "v/h" && !one.tls)
        let list = try AMQPURL(parsing: "amqps://u:p@r0/v,amqps://u:p@r1:5000/v")
        #expect(list.endpoints == [BrokerEndpoint(host: "r0", port: 5671), BrokerEndpoint(host: "r1", port: 5000)])
        #expect(list.tls)
        #expect(throws: ConfigurationError.self) { try AMQPURL(parsing: "amqp://u:p@r0/v,amqp://x:p@r1/v") }
        #expect(throws: ConfigurationError.self) { try AMQPURL(parsing: "amqp://u:p@r0,,r1/v") }
        #expect(throws: ConfigurationError.self) { try AMQPURL(parsing: "amqp://u:p@r0:99999/v") }
        #expect(throws: ConfigurationError.self) { try AMQPURL(parsing: "http://r0") }
        #expect(try AMQPURL(parsing: "amqp://h").vhost == "/")
        #expect(throws: ConfigurationError.self) { try AMQPURL(parsing: "amqp://u:100%@h/") }
        #expect(try AMQPURL(parsing: "amqp://u:p%40ss@h/").password == "p@ss")
    }

    @Test("REDIS_URL: rediss is TLS, an ACL user is kept, several hosts are refused")
    func redisURL() throws {
        let url = try RedisURL(parsing: "rediss://app:secret@cache:6380/3")
        #expect(url == RedisURL(host: "cache", port: 6380, username: "app", password: "secret", database: 3, tls: true))
        #expect(try RedisURL(parsing: "redis://:pw@h").username == nil)
        #expect(throws: ConfigurationError.self) { try RedisURL(parsing: "redis://a,b") }
        #expect(throws: ConfigurationError.self) { try RedisURL(parsing: "redis://h/-1") }
        #expect(throws: ConfigurationError.self) { try RedisURL(parsing: "redis://:p%zz@h") }
    }

    @Test("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER and the other way round")
    func sentinels() throws {
        let s = try #require(try RedisSentinels(sentinels: "s1,s2:26380", master: "main"))
        #expect(s.endpoints == [BrokerEndpoint(host: "s1", port: 26379), BrokerEndpoint(host: "s2", port: 26380)])
        #expect(try RedisSentinels(sentinels: nil, master: nil) == nil)
        #expect(throws: ConfigurationError.self) { try RedisSentinels(sentinels: "s1", master: "") }
        #expect(throws: ConfigurationError.self) { try RedisSentinels(sentinels: "", master: "main") }
    }

    @Test("DATABASE_URL's sslmode and sslrootcert, in libpq's names")
    func postgresTLS() throws {
        #expect(try PostgresURL(parsing: "postgres://u@h/db").tlsMode == .disable)
        let full = try PostgresURL(parsing: "postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem")
        #expect(full.tlsMode == .verifyFull && full.rootCertificateFile == "/ca.pem")
        #expect(try PostgresURL(parsing: "postgres://u@h/db?sslmode=allow").tlsMode == .prefer)
        #expect(throws: ConfigurationError.self) { try PostgresURL(parsing: "postgres://u@h/db?sslmode=maybe") }
        #expect(throws: ConfigurationError.self) { try PostgresURL(parsing: "postgres://u@h/db?sslcert=x") }
        #expect(try PostgresURL(parsing: "postgres://u@h/db?application_name=api&sslmode=require").tlsMode == .require)
    }
}
