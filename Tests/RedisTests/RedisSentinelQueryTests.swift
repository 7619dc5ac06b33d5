import TableOrderCore
import Testing
@testable import TableOrderRedis

@Suite struct RedisSentinelQueryTests {
    private static let address = RESPValue.array([.bulk(Array("10.0.0.7".utf8)), .bulk(Array("6380".utf8))])

    @Test func asksForThePrimaryByName() throws {
        var query = RedisSentinelQuery(masterName: "main", username: nil, password: nil)
        #expect(query.commands == [[Array("SENTINEL".utf8), Array("get-master-addr-by-name".utf8), Array("main".utf8)]])
        #expect(try query.replyReceived(Self.address)?.get() == BrokerEndpoint(host: "10.0.0.7", port: 6380))
        #expect(query.replyReceived(Self.address) == nil)
    }

    @Test func authenticatesFirstAndIgnoresWhetherTheSentinelWantedIt() throws {
        var query = RedisSentinelQuery(masterName: "main", username: "app", password: "pw")
        #expect(query.commands.first == [Array("AUTH".utf8), Array("app".utf8), Array("pw".utf8)])
        #expect(query.replyReceived(.error("ERR AUTH called without any password configured")) == nil)
        #expect(try query.replyReceived(Self.address)?.get() == BrokerEndpoint(host: "10.0.0.7", port: 6380))
    }

    @Test func anUnknownMasterOrARefusalIsAFailure() {
        var unknown = RedisSentinelQuery(masterName: "other", username: nil, password: nil)
        #expect(failure(unknown.replyReceived(.null))?.contains("does not know a primary named other") == true)
        var refused = RedisSentinelQuery(masterName: "main", username: nil, password: "pw")
        _ = refused.replyReceived(.error("WRONGPASS"))
        #expect(failure(refused.replyReceived(.error("NOAUTH Authentication required.")))?.contains("NOAUTH") == true)
        var malformed = RedisSentinelQuery(masterName: "main", username: nil, password: nil)
        #expect(failure(malformed.replyReceived(.array([.bulk(Array("h".utf8)), .bulk(Array("port".utf8))])))?.contains("malformed") == true)
    }

    private func failure(_ result: Result<BrokerEndpoint, RedisError>?) -> String? {
        if case .failure(let error)? = result { return error.description }
        return nil
    }
}
