import CRabbitMQ
import NIOCore
import NIOEmbedded
import Testing

@testable import TableOrderRabbitMQ

@Suite struct AMQPCodecTests {
    static let methods: [AMQPMethod] = [
        .connectionStart(
            versionMajor: 0, versionMinor: 9,
            serverProperties: [
                "product": .string("RabbitMQ"), "capabilities": .table(["publisher_confirms": .bool(true)]),
            ],
            mechanisms: "PLAIN AMQPLAIN", locales: "en_US"),
        .connectionStartOK(
            clientProperties: ["product": .string("tableorder"), "n": .int(-7)], mechanism: "PLAIN",
            response: [0] + Array("guest".utf8) + [0] + Array("guest".utf8), locale: "en_US"),
        .connectionSecure(challenge: [1, 2, 3]),
        .connectionSecureOK(response: [4, 5]),
        .connectionTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60),
        .connectionTuneOK(channelMax: 2047, frameMax: 4096, heartbeat: 10),
        .connectionOpen(virtualHost: "/tableorder"),
        .connectionOpenOK,
        .connectionClose(replyCode: 320, replyText: "CONNECTION_FORCED - test", classID: 0, methodID: 0),
        .connectionCloseOK,
        .connectionBlocked(reason: "low on memory"),
        .connectionUnblocked,
        .channelOpen,
        .channelOpenOK,
        .channelClose(replyCode: 406, replyText: "PRECONDITION_FAILED - inequivalent arg", classID: 50, methodID: 10),
        .channelCloseOK,
        .confirmSelect,
        .confirmSelectOK,
        .exchangeDeclare(exchange: "table-order-events", type: "topic", durable: true, arguments: [:]),
        .exchangeDeclareOK,
        .queueDeclare(
            queue: "tableorder.commands", durable: true, exclusive: false, autoDelete: false,
            arguments: ["x-queue-type": .string("quorum"), "x-delivery-limit": .int(5)]),
        .queueDeclareOK(queue: "tableorder.commands", messageCount: 12, consumerCount: 2),
        .queueBind(queue: "q", exchange: "e", routingKey: "order.*", arguments: [:]),
        .queueBindOK,
        .queuePurge(queue: "q"),
        .queuePurgeOK(messageCount: 3),
        .queueDelete(queue: "q", ifUnused: true, ifEmpty: false),
        .queueDeleteOK(messageCount: 4),
        .basicQos(prefetchCount: 300),
        .basicQosOK,
        .basicConsume(queue: "q", consumerTag: "worker-1", noAck: false, exclusive: true),
        .basicConsumeOK(consumerTag: "worker-1"),
        .basicCancel(consumerTag: "worker-1", noWait: false),
        .basicCancelOK(consumerTag: "worker-1"),
        .basicPublish(exchange: "", routingKey: "tableorder.commands", mandatory: true),
        .basicReturn(replyCode: 312, replyText: "NO_ROUTE", exchange: "", routingKey: "nowhere"),
        .basicDeliver(consumerTag: "worker-1", deliveryTag: 1 << 40, redelivered: true, exchange: "", routingKey: "q"),
        .basicGet(queue: "q", noAck: true),
        .basicGetOK(deliveryTag: 9, redelivered: false, exchange: "e", routingKey: "k", messageCount: 0),
        .basicGetEmpty,
        .basicAck(deliveryTag: 42, multiple: true),
        .basicNack(deliveryTag: 43, multiple: false, requeue: true),
        .basicReject(deliveryTag: 44, requeue: false),
    ]

    @Test func methodIDsAreLibrabbitmqs() {
        #expect(AMQPMethodID.basicPublish == AMQP_BASIC_PUBLISH_METHOD)
        #expect(AMQPMethodID.basicAck == AMQP_BASIC_ACK_METHOD)
        #expect(AMQPMethodID.basicNack == AMQP_BASIC_NACK_METHOD)
        #expect(AMQPMethodID.connectionBlocked == AMQP_CONNECTION_BLOCKED_METHOD)
        #expect(AMQPMethodID.confirmSelectOK == AMQP_CONFIRM_SELECT_OK_METHOD)
        #expect(AMQPMethodID.basicGetEmpty == AMQP_BASIC_GET_EMPTY_METHOD)
        #expect(AMQPMethodID.queueDeleteOK == AMQP_QUEUE_DELETE_OK_METHOD)
    }

    @Test(arguments: AMQPCodecTests.methods)
    func methodRoundTrips(_ method: AMQPMethod) throws {
        let frames = try FrameBytes.decodeAll(FrameBytes.method(method, channel: 3))
        #expect(frames == [.method(channel: 3, method)])
    }

    @Test func contentHeaderRoundTrips() throws {
        let properties = AMQPProperties(
            contentType: "application/json", deliveryMode: 2, messageID: "17",
            headers: ["traceparent": "00-abc-def-01", "size": "3"])
        let frames = try FrameBytes.decodeAll(FrameBytes.header(properties, bodySize: 1 << 33))
        #expect(frames == [.header(channel: 1, AMQPContentHeader(bodySize: 1 << 33, properties: properties))])
        let bare = try FrameBytes.decodeAll(FrameBytes.header(AMQPProperties(), bodySize: 0))
        #expect(bare == [.header(channel: 1, AMQPContentHeader(bodySize: 0, properties: AMQPProperties()))])
    }

    @Test(arguments: [UInt64(0), 7, 10, 1234, UInt64.max])
    func messageIDsAreDecimal(_ value: UInt64) {
        let pool = AMQPPool()
        #expect(pool.decimal(value).string == String(value))
    }

    @Test func heartbeatRoundTrips() throws {
        var buffer = ByteBuffer()
        AMQPFrameEncoder().writeHeartbeat(into: &buffer)
        #expect(Array(buffer.readableBytesView) == [8, 0, 0, 0, 0, 0, 0, 0xCE])
        #expect(try FrameBytes.decodeAll(buffer) == [.heartbeat])
    }

    /// A publish is its method, a content header (persistent JSON, the tag as message id, headers) and
    /// body frames no larger than frame_max, all in one buffer.
    @Test(arguments: [0, 1, 4088, 4089, 10_000])
    func publishIsMethodHeaderAndBodyFramesWithinFrameMax(bodySize: Int) throws {
        let body = (0..<bodySize).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var buffer = ByteBuffer()
        try AMQPFrameEncoder().writePublish(
            exchange: "", routingKey: "tableorder.commands", mandatory: true, messageID: 1234,
            headers: [("traceparent", "00-1-2-01")], body: body, channel: 1, frameMax: 4096, into: &buffer)
        let frames = try FrameBytes.decodeAll(buffer, limit: 4096)
        #expect(
            frames.first
                == .method(channel: 1, .basicPublish(exchange: "", routingKey: "tableorder.commands", mandatory: true)))
        #expect(
            frames.dropFirst().first
                == .header(
                    channel: 1,
                    AMQPContentHeader(
                        bodySize: UInt64(bodySize),
                        properties: AMQPProperties(
                            contentType: "application/json", deliveryMode: 2, messageID: "1234",
                            headers: ["traceparent": "00-1-2-01"]))))
        var received: [UInt8] = []
        for frame in frames.dropFirst(2) {
            guard case .body(1, let bytes) = frame else {
                Issue.record("not a body frame: \(frame)")
                continue
            }
            #expect(bytes.readableBytes <= 4096 - 8)
            received += Array(bytes.readableBytesView)
        }
        #expect(received == body)
        #expect(frames.count == 2 + (bodySize + 4087) / 4088)
    }

    @Test func unencodablePublishLeavesTheBufferAsItWas() throws {
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        #expect(throws: AMQPCodecError.self) {
            try AMQPFrameEncoder().writePublish(
                exchange: String(repeating: "x", count: 300), routingKey: "k", mandatory: false, messageID: 1,
                headers: [],
                body: [1], channel: 1, frameMax: 4096, into: &buffer)
        }
        #expect(Array(buffer.readableBytesView) == [1, 2, 3])
    }

    // MARK: - The decoder in a pipeline

    @Test func splitFramesAreDecodedOnceWhole() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(AMQPFrameDecoder()))
        var bytes = FrameBytes.method(.basicAck(deliveryTag: 5, multiple: true))
        var second = FrameBytes.message(
            .basicDeliver(consumerTag: "c", deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q"),
            body: [9, 8, 7])
        bytes.writeBuffer(&second)
        // One byte at a time: nothing comes out until a frame is whole.
        var frames: [AMQPFrame] = []
        while let byte = bytes.readSlice(length: 1) {
            try channel.writeInbound(byte)
            while let frame = try channel.readInbound(as: AMQPFrame.self) { frames.append(frame) }
        }
        #expect(frames.count == 4)
        #expect(frames[0] == .method(channel: 1, .basicAck(deliveryTag: 5, multiple: true)))
        #expect(frames[2] == .header(channel: 1, AMQPContentHeader(bodySize: 3, properties: AMQPProperties())))
        #expect(frames[3] == .body(channel: 1, ByteBuffer(bytes: [9, 8, 7])))
        // Several frames in one read come out together.
        try channel.writeInbound(
            FrameBytes.message(
                .basicGetOK(deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q", messageCount: 0),
                body: [1]))
        var count = 0
        while try channel.readInbound(as: AMQPFrame.self) != nil { count += 1 }
        #expect(count == 3)
        _ = try channel.finish()
    }

    @Test func aFrameOverTheNegotiatedFrameMaxIsAProtocolError() throws {
        let limit = AMQPFrameLimit(maximumFrameSize: 4096)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(AMQPFrameDecoder(limit: limit)))
        // Refused from its header alone, before the payload arrives.
        var header = ByteBuffer()
        header.writeInteger(UInt8(3))
        header.writeInteger(UInt16(1))
        header.writeInteger(UInt32(4089))
        #expect(throws: AMQPCodecError.frameTooLarge(size: 4097, maximum: 4096)) { try channel.writeInbound(header) }
        _ = try? channel.finish()
        // A frame of exactly frame_max passes.
        let ok = EmbeddedChannel(handler: ByteToMessageHandler(AMQPFrameDecoder(limit: limit)))
        try ok.writeInbound(FrameBytes.body([UInt8](repeating: 1, count: 4088), frameMax: 4096))
        #expect(try ok.readInbound(as: AMQPFrame.self) != nil)
        _ = try ok.finish()
    }

    @Test func aFrameWithoutItsEndMarkerIsAProtocolError() throws {
        var bytes = FrameBytes.method(.basicAck(deliveryTag: 1, multiple: false))
        bytes.setInteger(UInt8(0xAB), at: bytes.writerIndex - 1)
        #expect(throws: AMQPCodecError.missingFrameEnd(found: 0xAB)) { try FrameBytes.decodeAll(bytes) }
    }

    @Test func theBrokersOwnProtocolHeaderMeansItRefusedOurs() throws {
        let header = ByteBuffer(bytes: Array("AMQP".utf8) + [0, 0, 9, 1])
        #expect(throws: AMQPCodecError.protocolVersionRefused(Array("AMQP".utf8) + [0, 0, 9, 1])) {
            try FrameBytes.decodeAll(header)
        }
    }

    @Test func unknownFrameTypesAndMethodsAreErrors() throws {
        var bytes = FrameBytes.method(.basicAck(deliveryTag: 1, multiple: false))
        bytes.setInteger(UInt8(5), at: bytes.readerIndex)
        #expect(throws: AMQPCodecError.unknownFrameType(5)) { try FrameBytes.decodeAll(bytes) }
        var unknown = FrameBytes.method(.basicAck(deliveryTag: 1, multiple: false))
        unknown.setInteger(UInt32(0x0063_0001), at: unknown.readerIndex + 7)
        #expect(throws: AMQPCodecError.unknownMethod(0x0063_0001)) { try FrameBytes.decodeAll(unknown) }
    }

    @Test func truncatedArgumentsAreAnError() throws {
        var bytes = ByteBuffer()
        bytes.writeInteger(UInt8(1))
        bytes.writeInteger(UInt16(1))
        bytes.writeInteger(UInt32(6))
        bytes.writeInteger(AMQPMethodID.basicAck)
        bytes.writeInteger(UInt16(0))  // a delivery tag needs 8 bytes
        bytes.writeInteger(UInt8(0xCE))
        #expect(throws: AMQPCodecError.self) { try FrameBytes.decodeAll(bytes) }
    }
}
