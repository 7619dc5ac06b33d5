/// The AMQP 0-9-1 methods this client sends or understands, as Swift values.
///
/// librabbitmq's `amqp_encode_method` and `amqp_decode_method` do the wire format (see
/// `AMQPMethod+Encoding.swift` and `AMQPMethod+Decoding.swift`); this enum is what the state machines
/// speak. Fields nobody uses (tickets, `nowait` on requests we always await, `no-local`) are left out.
enum AMQPMethod: Equatable, Sendable {
    case connectionStart(
        versionMajor: UInt8, versionMinor: UInt8, serverProperties: AMQPTable, mechanisms: String, locales: String)
    case connectionStartOK(clientProperties: AMQPTable, mechanism: String, response: [UInt8], locale: String)
    case connectionSecure(challenge: [UInt8])
    case connectionSecureOK(response: [UInt8])
    case connectionTune(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionTuneOK(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionOpen(virtualHost: String)
    case connectionOpenOK
    case connectionClose(replyCode: UInt16, replyText: String, classID: UInt16, methodID: UInt16)
    case connectionCloseOK
    case connectionBlocked(reason: String)
    case connectionUnblocked

    case channelOpen
    case channelOpenOK
    case channelClose(replyCode: UInt16, replyText: String, classID: UInt16, methodID: UInt16)
    case channelCloseOK

    case confirmSelect
    case confirmSelectOK

    case exchangeDeclare(exchange: String, type: String, durable: Bool, arguments: AMQPTable)
    case exchangeDeclareOK

    case queueDeclare(queue: String, durable: Bool, exclusive: Bool, autoDelete: Bool, arguments: AMQPTable)
    case queueDeclareOK(queue: String, messageCount: UInt32, consumerCount: UInt32)
    case queueBind(queue: String, exchange: String, routingKey: String, arguments: AMQPTable)
    case queueBindOK
    case queuePurge(queue: String)
    case queuePurgeOK(messageCount: UInt32)
    case queueDelete(queue: String, ifUnused: Bool, ifEmpty: Bool)
    case queueDeleteOK(messageCount: UInt32)

    case basicQos(prefetchCount: UInt16)
    case basicQosOK
    case basicConsume(queue: String, consumerTag: String, noAck: Bool, exclusive: Bool)
    case basicConsumeOK(consumerTag: String)
    /// Sent by us to stop a consumer, or by the broker when the queue went away (`consumer_cancel_notify`).
    case basicCancel(consumerTag: String, noWait: Bool)
    case basicCancelOK(consumerTag: String)
    case basicPublish(exchange: String, routingKey: String, mandatory: Bool)
    case basicReturn(replyCode: UInt16, replyText: String, exchange: String, routingKey: String)
    case basicDeliver(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String)
    case basicGet(queue: String, noAck: Bool)
    case basicGetOK(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, messageCount: UInt32)
    case basicGetEmpty
    case basicAck(deliveryTag: UInt64, multiple: Bool)
    case basicNack(deliveryTag: UInt64, multiple: Bool, requeue: Bool)
    case basicReject(deliveryTag: UInt64, requeue: Bool)

    /// A method librabbitmq knows but this client does not use (`channel.flow`, `basic.recover-ok`, …).
    case other(id: UInt32)
}

/// AMQP method ids, `class << 16 | method` (the C headers define them as casts, which Swift does not import).
enum AMQPMethodID {
    static let connectionStart: UInt32 = 0x000A_000A
    static let connectionStartOK: UInt32 = 0x000A_000B
    static let connectionSecure: UInt32 = 0x000A_0014
    static let connectionSecureOK: UInt32 = 0x000A_0015
    static let connectionTune: UInt32 = 0x000A_001E
    static let connectionTuneOK: UInt32 = 0x000A_001F
    static let connectionOpen: UInt32 = 0x000A_0028
    static let connectionOpenOK: UInt32 = 0x000A_0029
    static let connectionClose: UInt32 = 0x000A_0032
    static let connectionCloseOK: UInt32 = 0x000A_0033
    static let connectionBlocked: UInt32 = 0x000A_003C
    static let connectionUnblocked: UInt32 = 0x000A_003D
    static let channelOpen: UInt32 = 0x0014_000A
    static let channelOpenOK: UInt32 = 0x0014_000B
    static let channelClose: UInt32 = 0x0014_0028
    static let channelCloseOK: UInt32 = 0x0014_0029
    static let exchangeDeclare: UInt32 = 0x0028_000A
    static let exchangeDeclareOK: UInt32 = 0x0028_000B
    static let queueDeclare: UInt32 = 0x0032_000A
    static let queueDeclareOK: UInt32 = 0x0032_000B
    static let queueBind: UInt32 = 0x0032_0014
    static let queueBindOK: UInt32 = 0x0032_0015
    static let queuePurge: UInt32 = 0x0032_001E
    static let queuePurgeOK: UInt32 = 0x0032_001F
    static let queueDelete: UInt32 = 0x0032_0028
    static let queueDeleteOK: UInt32 = 0x0032_0029
    static let basicQos: UInt32 = 0x003C_000A
    static let basicQosOK: UInt32 = 0x003C_000B
    static let basicConsume: UInt32 = 0x003C_0014
    static let basicConsumeOK: UInt32 = 0x003C_0015
    static let basicCancel: UInt32 = 0x003C_001E
    static let basicCancelOK: UInt32 = 0x003C_001F
    static let basicPublish: UInt32 = 0x003C_0028
    static let basicReturn: UInt32 = 0x003C_0032
    static let basicDeliver: UInt32 = 0x003C_003C
    static let basicGet: UInt32 = 0x003C_0046
    static let basicGetOK: UInt32 = 0x003C_0047
    static let basicGetEmpty: UInt32 = 0x003C_0048
    static let basicAck: UInt32 = 0x003C_0050
    static let basicReject: UInt32 = 0x003C_005A
    static let basicNack: UInt32 = 0x003C_0078
    static let confirmSelect: UInt32 = 0x0055_000A
    static let confirmSelectOK: UInt32 = 0x0055_000B
}

extension AMQPMethod {
    /// The AMQP name, for logs and errors ("queue.declare").
    var name: String {
        switch self {
        case .connectionStart: "connection.start"
        case .connectionStartOK: "connection.start-ok"
        case .connectionSecure: "connection.secure"
        case .connectionSecureOK: "connection.secure-ok"
        case .connectionTune: "connection.tune"
        case .connectionTuneOK: "connection.tune-ok"
        case .connectionOpen: "connection.open"
        case .connectionOpenOK: "connection.open-ok"
        case .connectionClose: "connection.close"
        case .connectionCloseOK: "connection.close-ok"
        case .connectionBlocked: "connection.blocked"
        case .connectionUnblocked: "connection.unblocked"
        case .channelOpen: "channel.open"
        case .channelOpenOK: "channel.open-ok"
        case .channelClose: "channel.close"
        case .channelCloseOK: "channel.close-ok"
        case .confirmSelect: "confirm.select"
        case .confirmSelectOK: "confirm.select-ok"
        case .exchangeDeclare: "exchange.declare"
        case .exchangeDeclareOK: "exchange.declare-ok"
        case .queueDeclare: "queue.declare"
        case .queueDeclareOK: "queue.declare-ok"
        case .queueBind: "queue.bind"
        case .queueBindOK: "queue.bind-ok"
        case .queuePurge: "queue.purge"
        case .queuePurgeOK: "queue.purge-ok"
        case .queueDelete: "queue.delete"
        case .queueDeleteOK: "queue.delete-ok"
        case .basicQos: "basic.qos"
        case .basicQosOK: "basic.qos-ok"
        case .basicConsume: "basic.consume"
        case .basicConsumeOK: "basic.consume-ok"
        case .basicCancel: "basic.cancel"
        case .basicCancelOK: "basic.cancel-ok"
        case .basicPublish: "basic.publish"
        case .basicReturn: "basic.return"
        case .basicDeliver: "basic.deliver"
        case .basicGet: "basic.get"
        case .basicGetOK: "basic.get-ok"
        case .basicGetEmpty: "basic.get-empty"
        case .basicAck: "basic.ack"
        case .basicNack: "basic.nack"
        case .basicReject: "basic.reject"
        case .other(let id): Self.names[id] ?? "method \(id >> 16).\(id & 0xFFFF)"
        }
    }

    /// Names of methods this client only hears about by id (the cause named in a `channel.close`).
    private static let names: [UInt32: String] = [
        AMQPMethodID.exchangeDeclare: "exchange.declare", AMQPMethodID.queueDeclare: "queue.declare",
        AMQPMethodID.queueBind: "queue.bind", AMQPMethodID.queuePurge: "queue.purge",
        AMQPMethodID.queueDelete: "queue.delete",
        AMQPMethodID.basicQos: "basic.qos", AMQPMethodID.basicConsume: "basic.consume",
        AMQPMethodID.basicCancel: "basic.cancel",
        AMQPMethodID.basicPublish: "basic.publish", AMQPMethodID.basicGet: "basic.get",
        AMQPMethodID.basicAck: "basic.ack",
        AMQPMethodID.basicReject: "basic.reject", AMQPMethodID.basicNack: "basic.nack",
        AMQPMethodID.confirmSelect: "confirm.select",
        AMQPMethodID.connectionOpen: "connection.open", AMQPMethodID.channelOpen: "channel.open",
    ]

    /// Whether `self` is the broker's answer to the synchronous request `request` (the setup RPCs and the
    /// admin connection's calls are answered in order on their channel).
    func answers(_ request: AMQPMethod) -> Bool {
        switch (request, self) {
        case (.confirmSelect, .confirmSelectOK), (.exchangeDeclare, .exchangeDeclareOK),
            (.queueDeclare, .queueDeclareOK),
            (.queueBind, .queueBindOK), (.queuePurge, .queuePurgeOK), (.queueDelete, .queueDeleteOK),
            (.basicQos, .basicQosOK), (.basicConsume, .basicConsumeOK), (.basicCancel, .basicCancelOK),
            (.basicGet, .basicGetOK), (.basicGet, .basicGetEmpty):
            true
        default:
            false
        }
    }
}
