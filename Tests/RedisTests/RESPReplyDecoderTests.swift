import NIOCore
import NIOEmbedded
import Testing
@testable import TableOrderRedis

/// hiredis's reply reader behind `RESPReplyDecoder`, on an embedded channel: replies whole, split at every
/// byte, several per read, nested, binary, large, and broken.
@Suite struct RESPReplyDecoderTests {
    private func channel(maximumReplyBytes: Int = RESPReplyDecoder.defaultMaximumReplyBytes) -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder(maximumReplyBytes: maximumReplyBytes)))
    }

    private func feed(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    }

    private func replies(_ channel: EmbeddedChannel) throws -> [RESPValue] {
        var all: [RESPValue] = []
        while let reply = try channel.readInbound(as: RESPValue.self) { all.append(reply) }
        return all
    }

    @Test func everyKindOfReply() throws {
        let channel = channel()
        try feed(channel, Array("+OK\r\n-ERR wrong\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n".utf8))
        #expect(
            try replies(channel) == [
                .status("OK"), .error("ERR wrong"), .integer(-42), .bulk(Array("hello".utf8)), .null, .null, .array([]),
                .bulk([]),
            ])
        #expect(try channel.finish().isClean)
    }

    @Test func aReplySplitAtEveryByteComesOutOnceWhole() throws {
        let channel = channel()
        let wire = Array("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$11\r\nhello world\r\n".utf8)
        for (index, byte) in wire.enumerated() {
            try feed(channel, [byte])
            if index < wire.count - 1 { #expect(try channel.readInbound(as: RESPValue.self) == nil) }
        }
        #expect(
            try replies(channel) == [
                .array([.bulk(Array("message".utf8)), .bulk(Array("chan".utf8)), .bulk(Array("hello world".utf8))])
            ])
    }

    @Test func severalRepliesInOneReadAndOneCutBetweenReads() throws {
        let channel = channel()
        try feed(channel, Array("+OK\r\n:1\r\n$3\r\nab".utf8))
        #expect(try replies(channel) == [.status("OK"), .integer(1)])
        try feed(channel, Array("c\r\n:2\r\n".utf8))
        #expect(try replies(channel) == [.bulk(Array("abc".utf8)), .integer(2)])
    }

    @Test func nestedArraysWithNullsInside() throws {
        let channel = channel()
        try feed(channel, Array("*3\r\n*2\r\n:1\r\n*1\r\n$-1\r\n$-1\r\n*2\r\n+a\r\n-E b\r\n".utf8))
        #expect(
            try replies(channel) == [
                .array([.array([.integer(1), .array([.null])]), .null, .array([.status("a"), .error("E b")])])
            ])
    }

    @Test func binaryPayloadsKeepEveryByte() throws {
        let channel = channel()
        let payload: [UInt8] = [0, 13, 10, 255, 0, 36, 42, 13, 10]
        try feed(channel, Array("$\(payload.count)\r\n".utf8) + payload + Array("\r\n".utf8))
        #expect(try replies(channel) == [.bulk(payload)])
    }

    @Test func aBigBulkStringArrivingInChunks() throws {
        let channel = channel()
        let payload = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let wire = Array("$\(payload.count)\r\n".utf8) + payload + Array("\r\n".utf8)
        var offset = 0
        while offset < wire.count {
            let end = min(offset + 65_536, wire.count)
            try feed(channel, Array(wire[offset..<end]))
            offset = end
        }
        #expect(try replies(channel) == [.bulk(payload)])
    }

    @Test func bytesThatAreNotRESPAreAProtocolError() throws {
        let channel = channel()
        #expect(throws: RESPProtocolError.self) { try feed(channel, Array("?what\r\n".utf8)) }
    }

    @Test func aReplyLargerThanTheLimitIsRefusedBeforeItEnds() throws {
        let channel = channel(maximumReplyBytes: 1024)
        try feed(channel, Array("$4000\r\n".utf8) + Array(repeating: 65, count: 900))
        #expect(throws: RESPProtocolError.self) { try feed(channel, Array(repeating: 65, count: 200)) }
    }

    @Test func manySmallRepliesDoNotCountAgainstTheLimit() throws {
        let channel = channel(maximumReplyBytes: 64)
        let wire = Array(repeating: Array("$10\r\n0123456789\r\n".utf8), count: 100).flatMap { $0 }
        try feed(channel, wire)
        #expect(try replies(channel).count == 100)
    }
}
