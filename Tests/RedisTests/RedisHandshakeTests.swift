import Testing
@testable import TableOrderRedis

@Suite struct RedisHandshakeTests {
    @Test func onlyWhatTheURLAsksForIsSent() {
        #expect(RedisHandshake(username: nil, password: nil, database: 0, requireMaster: false).commands == [[Array("PING".utf8)]])
        #expect(
            RedisHandshake(username: nil, password: "pw", database: 0, requireMaster: false).commands == [
                [Array("AUTH".utf8), Array("pw".utf8)]
            ])
        #expect(
            RedisHandshake(username: nil, password: nil, database: 2, requireMaster: true).steps == [.select(2), .role])
    }

    @Test func repliesAreJudgedStepByStep() {
        #expect(RedisHandshake.problem(with: .status("OK"), at: .auth) == nil)
        #expect(RedisHandshake.problem(with: .error("WRONGPASS x"), at: .auth) == "AUTH failed: WRONGPASS x")
        #expect(RedisHandshake.problem(with: .error("ERR DB index is out of range"), at: .select(99))?.contains("SELECT 99") == true)
        #expect(RedisHandshake.problem(with: .array([.bulk(Array("master".utf8))]), at: .role) == nil)
        #expect(RedisHandshake.problem(with: .array([.bulk(Array("slave".utf8))]), at: .role)?.contains("slave") == true)
        #expect(RedisHandshake.problem(with: .error("ERR unknown command"), at: .role)?.contains("ROLE failed") == true)
        #expect(RedisHandshake.problem(with: .status("PONG"), at: .ping) == nil)
        #expect(RedisHandshake.problem(with: .error("NOAUTH x"), at: .ping) == "PING failed: NOAUTH x")
    }
}
