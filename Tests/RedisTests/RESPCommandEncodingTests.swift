import NIOCore
import NIOEmbedded
import Testing
@testable import TableOrderRedis

/// Commands as hiredis's formatter writes them, and the handler that sends them once per loop turn.
@Suite struct RESPCommandEncodingTests {
    @Test func aCommandIsAnArrayOfBulkStrings() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand([Array("SET".utf8), Array("key".utf8), Array("value".utf8)])
        #expect(buffer.readString(length: buffer.readableBytes) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
    }

    @Test func emptyAndBinaryArgumentsAreSentAsTheyAre() {
        var buffer = ByteBuffer()
        let binary: [UInt8] = [0, 13, 10, 255]
        buffer.writeRESPCommand([Array("SET".utf8), [], binary])
        let expected = Array("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\n".utf8) + binary + Array("\r\n".utf8)
        #expect(buffer.readBytes(length: buffer.readableBytes) == expected)
    }

    @Test func aFormattedCommandReadsBackThroughTheDecoder() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        let big = Array(repeating: UInt8(7), count: 100_000)
        var buffer = channel.allocator.buffer(capacity: 0)
        buffer.writeRESPCommand([Array("PUBLISH".utf8), Array("c".utf8), big])
        try channel.writeInbound(buffer)
        #expect(try channel.readInbound(as: RESPValue.self) == .array([.bulk(Array("PUBLISH".utf8)), .bulk(Array("c".utf8)), .bulk(big)]))
    }

    @Test func commandsOfOneLoopTurnGoOutInOneWrite() throws {
        let handler = RESPChannelHandler(delegate: SilentDelegate())
        let channel = EmbeddedChannel(handler: handler)
        handler.write([Array("PING".utf8)])
        handler.write([Array("GET".utf8), Array("k".utf8)])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.embeddedEventLoop.run()
        var written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(written.readString(length: written.readableBytes) == "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        handler.write([Array("PING".utf8)])
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil)
    }
}

final class SilentDelegate: RESPChannelDelegate {
    func received(_ reply: RESPValue, on handler: RESPChannelHandler) {}
    func failed(_ error: any Error, on handler: RESPChannelHandler) {}
    func closed(_ handler: RESPChannelHandler) {}
}
