#if canImport(TableOrderBrokers)
import CRabbitMQ
import Testing
@testable import TableOrderBrokers

/// The publisher's own frame encoding, without a broker: frames are well formed, a body is split at the
/// negotiated frame size, and a message whose properties do not fit is refused alone, not sent broken.
@Suite struct AMQPPublishBatchTests {
    /// (type, channel, payload size) of each frame; nil if the bytes are not a sequence of whole frames.
    static func frames(_ bytes: [UInt8]) -> [(type: UInt8, channel: UInt16, size: Int)]? {
        var out: [(UInt8, UInt16, Int)] = []
        var index = 0
        while index < bytes.count {
            guard index + 7 <= bytes.count else { return nil }
            let channel = UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index + 2])
            let size = bytes[(index + 3)..<(index + 7)].reduce(0) { $0 << 8 | Int($1) }
            let end = index + 7 + size
            guard end < bytes.count, bytes[end] == 0xCE else { return nil }
            out.append((bytes[index], channel, size))
            index = end + 1
        }
        return out
    }

    @Test func messagesBecomeMethodHeaderAndBodyFramesSplitAtTheFrameSize() throws {
        var batch = AMQPPublishBatch(channel: 1)
        batch.start(frameMax: 4096)
        try batch.append(
            exchange: "", routingKey: "q", mandatory: true, messageID: "1", headers: [("k", "v")],
            body: Array(repeating: 7, count: 10_000))
        try batch.append(exchange: "x", routingKey: "k", mandatory: false, messageID: "2", headers: [], body: [])
        let frames = try #require(Self.frames(batch.bytes))
        #expect(frames.map(\.type) == [1, 2, 3, 3, 3, 1, 2])  // method, header, 3 bodies; method, header
        #expect(frames.allSatisfy { $0.channel == 1 })
        #expect(frames[2...4].map(\.size) == [4088, 4088, 1824])  // 4096 less header and end: 10,000 in all
    }

    @Test func propertiesThatDoNotFitAreRefused() {
        var batch = AMQPPublishBatch(channel: 1)
        batch.start(frameMax: 131_072)
        #expect(throws: AMQPEncodingError.self) {
            try batch.append(
                exchange: "", routingKey: "q", mandatory: true, messageID: "1",
                headers: [("big", String(repeating: "x", count: 10_000))], body: [1])
        }
    }
}
#endif
