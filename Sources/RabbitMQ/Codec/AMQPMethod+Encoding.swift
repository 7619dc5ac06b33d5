import CRabbitMQ

extension AMQPMethod {
    var id: UInt32 {
        switch self {
        case .connectionStart: AMQPMethodID.connectionStart
        case .connectionStartOK: AMQPMethodID.connectionStartOK
        case .connectionSecure: AMQPMethodID.connectionSecure
        case .connectionSecureOK: AMQPMethodID.connectionSecureOK
        case .connectionTune: AMQPMethodID.connectionTune
        case .connectionTuneOK: AMQPMethodID.connectionTuneOK
        case .connectionOpen: AMQPMethodID.connectionOpen
        case .connectionOpenOK: AMQPMethodID.connectionOpenOK
        case .connectionClose: AMQPMethodID.connectionClose
        case .connectionCloseOK: AMQPMethodID.connectionCloseOK
        case .connectionBlocked: AMQPMethodID.connectionBlocked
        case .connectionUnblocked: AMQPMethodID.connectionUnblocked
        case .channelOpen: AMQPMethodID.channelOpen
        case .channelOpenOK: AMQPMethodID.channelOpenOK
        case .channelClose: AMQPMethodID.channelClose
        case .channelCloseOK: AMQPMethodID.channelCloseOK
        case .confirmSelect: AMQPMethodID.confirmSelect
        case .confirmSelectOK: AMQPMethodID.confirmSelectOK
        case .exchangeDeclare: AMQPMethodID.exchangeDeclare
        case .exchangeDeclareOK: AMQPMethodID.exchangeDeclareOK
        case .queueDeclare: AMQPMethodID.queueDeclare
        case .queueDeclareOK: AMQPMethodID.queueDeclareOK
        case .queueBind: AMQPMethodID.queueBind
        case .queueBindOK: AMQPMethodID.queueBindOK
        case .queuePurge: AMQPMethodID.queuePurge
        case .queuePurgeOK: AMQPMethodID.queuePurgeOK
        case .queueDelete: AMQPMethodID.queueDelete
        case .queueDeleteOK: AMQPMethodID.queueDeleteOK
        case .basicQos: AMQPMethodID.basicQos
        case .basicQosOK: AMQPMethodID.basicQosOK
        case .basicConsume: AMQPMethodID.basicConsume
        case .basicConsumeOK: AMQPMethodID.basicConsumeOK
        case .basicCancel: AMQPMethodID.basicCancel
        case .basicCancelOK: AMQPMethodID.basicCancelOK
        case .basicPublish: AMQPMethodID.basicPublish
        case .basicReturn: AMQPMethodID.basicReturn
        case .basicDeliver: AMQPMethodID.basicDeliver
        case .basicGet: AMQPMethodID.basicGet
        case .basicGetOK: AMQPMethodID.basicGetOK
        case .basicGetEmpty: AMQPMethodID.basicGetEmpty
        case .basicAck: AMQPMethodID.basicAck
        case .basicNack: AMQPMethodID.basicNack
        case .basicReject: AMQPMethodID.basicReject
        case .other(let id): id
        }
    }

    /// Bytes the method's arguments can take on the wire, or more: what to reserve before encoding.
    var argumentsSizeBound: Int {
        switch self {
        case .connectionStart(_, _, let properties, let mechanisms, let locales):
            16 + properties.encodedSizeBound + mechanisms.utf8.count + locales.utf8.count
        case .connectionStartOK(let properties, let mechanism, let response, let locale):
            16 + properties.encodedSizeBound + mechanism.utf8.count + response.count + locale.utf8.count
        case .connectionSecure(let bytes), .connectionSecureOK(let bytes): 8 + bytes.count
        case .connectionOpen(let vhost): 16 + vhost.utf8.count
        case .connectionClose(_, let text, _, _), .channelClose(_, let text, _, _): 16 + text.utf8.count
        case .connectionBlocked(let reason): 8 + reason.utf8.count
        case .exchangeDeclare(let exchange, let type, _, let arguments):
            16 + exchange.utf8.count + type.utf8.count + arguments.encodedSizeBound
        case .queueDeclare(let queue, _, _, _, let arguments): 16 + queue.utf8.count + arguments.encodedSizeBound
        case .queueDeclareOK(let queue, _, _): 16 + queue.utf8.count
        case .queueBind(let queue, let exchange, let key, let arguments):
            16 + queue.utf8.count + exchange.utf8.count + key.utf8.count + arguments.encodedSizeBound
        case .queuePurge(let queue), .queueDelete(let queue, _, _), .basicGet(let queue, _): 16 + queue.utf8.count
        case .basicConsume(let queue, let tag, _, _): 16 + queue.utf8.count + tag.utf8.count + 4
        case .basicConsumeOK(let tag), .basicCancel(let tag, _), .basicCancelOK(let tag): 8 + tag.utf8.count
        case .basicPublish(let exchange, let key, _): 8 + exchange.utf8.count + key.utf8.count
        case .basicReturn(_, let text, let exchange, let key):
            16 + text.utf8.count + exchange.utf8.count + key.utf8.count
        case .basicDeliver(let tag, _, _, let exchange, let key):
            16 + tag.utf8.count + exchange.utf8.count + key.utf8.count
        case .basicGetOK(_, _, let exchange, let key, _): 24 + exchange.utf8.count + key.utf8.count
        default: 32
        }
    }

    /// Encodes the arguments (what follows the method id) with `amqp_encode_method` into `target`, with
    /// their strings lent from `pool`. Returns the bytes written, or librabbitmq's (negative) status.
    func encodeArguments(into target: UnsafeMutableRawBufferPointer, pool: AMQPPool) -> Int32 {
        let id = self.id
        let encoded = amqp_bytes_t(len: target.count, bytes: target.baseAddress)
        func encode<Arguments>(_ arguments: Arguments) -> Int32 {
            var arguments = arguments
            return withUnsafeMutablePointer(to: &arguments) { amqp_encode_method(id, $0, encoded) }
        }
        func flag(_ value: Bool) -> amqp_boolean_t { value ? 1 : 0 }
        let none = amqp_table_t(num_entries: 0, entries: nil)

        switch self {
        case .connectionStart(let major, let minor, let properties, let mechanisms, let locales):
            return encode(
                amqp_connection_start_t(
                    version_major: major, version_minor: minor, server_properties: properties.cTable(in: pool),
                    mechanisms: pool.bytes(mechanisms), locales: pool.bytes(locales)))
        case .connectionStartOK(let properties, let mechanism, let response, let locale):
            return encode(
                amqp_connection_start_ok_t(
                    client_properties: properties.cTable(in: pool), mechanism: pool.bytes(mechanism),
                    response: pool.bytes(response), locale: pool.bytes(locale)))
        case .connectionSecure(let challenge):
            return encode(amqp_connection_secure_t(challenge: pool.bytes(challenge)))
        case .connectionSecureOK(let response):
            return encode(amqp_connection_secure_ok_t(response: pool.bytes(response)))
        case .connectionTune(let channelMax, let frameMax, let heartbeat):
            return encode(amqp_connection_tune_t(channel_max: channelMax, frame_max: frameMax, heartbeat: heartbeat))
        case .connectionTuneOK(let channelMax, let frameMax, let heartbeat):
            return encode(amqp_connection_tune_ok_t(channel_max: channelMax, frame_max: frameMax, heartbeat: heartbeat))
        case .connectionOpen(let vhost):
            return encode(
                amqp_connection_open_t(virtual_host: pool.bytes(vhost), capabilities: pool.bytes(""), insist: 0))
        case .connectionOpenOK:
            return encode(amqp_connection_open_ok_t(known_hosts: pool.bytes("")))
        case .connectionClose(let code, let text, let classID, let methodID):
            return encode(
                amqp_connection_close_t(
                    reply_code: code, reply_text: pool.bytes(text), class_id: classID, method_id: methodID))
        case .connectionCloseOK:
            return encode(amqp_connection_close_ok_t(dummy: 0))
        case .connectionBlocked(let reason):
            return encode(amqp_connection_blocked_t(reason: pool.bytes(reason)))
        case .connectionUnblocked:
            return encode(amqp_connection_unblocked_t(dummy: 0))
        case .channelOpen:
            return encode(amqp_channel_open_t(out_of_band: pool.bytes("")))
        case .channelOpenOK:
            return encode(amqp_channel_open_ok_t(channel_id: pool.bytes("")))
        case .channelClose(let code, let text, let classID, let methodID):
            return encode(
                amqp_channel_close_t(
                    reply_code: code, reply_text: pool.bytes(text), class_id: classID, method_id: methodID))
        case .channelCloseOK:
            return encode(amqp_channel_close_ok_t(dummy: 0))
        case .confirmSelect:
            return encode(amqp_confirm_select_t(nowait: 0))
        case .confirmSelectOK:
            return encode(amqp_confirm_select_ok_t(dummy: 0))
        case .exchangeDeclare(let exchange, let type, let durable, let arguments):
            return encode(
                amqp_exchange_declare_t(
                    ticket: 0, exchange: pool.bytes(exchange), type: pool.bytes(type), passive: 0,
                    durable: flag(durable),
                    auto_delete: 0, internal: 0, nowait: 0, arguments: arguments.cTable(in: pool)))
        case .exchangeDeclareOK:
            return encode(amqp_exchange_declare_ok_t(dummy: 0))
        case .queueDeclare(let queue, let durable, let exclusive, let autoDelete, let arguments):
            return encode(
                amqp_queue_declare_t(
                    ticket: 0, queue: pool.bytes(queue), passive: 0, durable: flag(durable), exclusive: flag(exclusive),
                    auto_delete: flag(autoDelete), nowait: 0, arguments: arguments.cTable(in: pool)))
        case .queueDeclareOK(let queue, let messages, let consumers):
            return encode(
                amqp_queue_declare_ok_t(queue: pool.bytes(queue), message_count: messages, consumer_count: consumers))
        case .queueBind(let queue, let exchange, let key, let arguments):
            return encode(
                amqp_queue_bind_t(
                    ticket: 0, queue: pool.bytes(queue), exchange: pool.bytes(exchange), routing_key: pool.bytes(key),
                    nowait: 0, arguments: arguments.cTable(in: pool)))
        case .queueBindOK:
            return encode(amqp_queue_bind_ok_t(dummy: 0))
        case .queuePurge(let queue):
            return encode(amqp_queue_purge_t(ticket: 0, queue: pool.bytes(queue), nowait: 0))
        case .queuePurgeOK(let messages):
            return encode(amqp_queue_purge_ok_t(message_count: messages))
        case .queueDelete(let queue, let ifUnused, let ifEmpty):
            return encode(
                amqp_queue_delete_t(
                    ticket: 0, queue: pool.bytes(queue), if_unused: flag(ifUnused), if_empty: flag(ifEmpty), nowait: 0))
        case .queueDeleteOK(let messages):
            return encode(amqp_queue_delete_ok_t(message_count: messages))
        case .basicQos(let prefetch):
            return encode(amqp_basic_qos_t(prefetch_size: 0, prefetch_count: prefetch, global: 0))
        case .basicQosOK:
            return encode(amqp_basic_qos_ok_t(dummy: 0))
        case .basicConsume(let queue, let tag, let noAck, let exclusive):
            return encode(
                amqp_basic_consume_t(
                    ticket: 0, queue: pool.bytes(queue), consumer_tag: pool.bytes(tag), no_local: 0,
                    no_ack: flag(noAck),
                    exclusive: flag(exclusive), nowait: 0, arguments: none))
        case .basicConsumeOK(let tag):
            return encode(amqp_basic_consume_ok_t(consumer_tag: pool.bytes(tag)))
        case .basicCancel(let tag, let noWait):
            return encode(amqp_basic_cancel_t(consumer_tag: pool.bytes(tag), nowait: flag(noWait)))
        case .basicCancelOK(let tag):
            return encode(amqp_basic_cancel_ok_t(consumer_tag: pool.bytes(tag)))
        case .basicPublish(let exchange, let key, let mandatory):
            return encode(
                amqp_basic_publish_t(
                    ticket: 0, exchange: pool.bytes(exchange), routing_key: pool.bytes(key), mandatory: flag(mandatory),
                    immediate: 0))
        case .basicReturn(let code, let text, let exchange, let key):
            return encode(
                amqp_basic_return_t(
                    reply_code: code, reply_text: pool.bytes(text), exchange: pool.bytes(exchange),
                    routing_key: pool.bytes(key)))
        case .basicDeliver(let consumerTag, let tag, let redelivered, let exchange, let key):
            return encode(
                amqp_basic_deliver_t(
                    consumer_tag: pool.bytes(consumerTag), delivery_tag: tag, redelivered: flag(redelivered),
                    exchange: pool.bytes(exchange), routing_key: pool.bytes(key)))
        case .basicGet(let queue, let noAck):
            return encode(amqp_basic_get_t(ticket: 0, queue: pool.bytes(queue), no_ack: flag(noAck)))
        case .basicGetOK(let tag, let redelivered, let exchange, let key, let messages):
            return encode(
                amqp_basic_get_ok_t(
                    delivery_tag: tag, redelivered: flag(redelivered), exchange: pool.bytes(exchange),
                    routing_key: pool.bytes(key), message_count: messages))
        case .basicGetEmpty:
            return encode(amqp_basic_get_empty_t(cluster_id: pool.bytes("")))
        case .basicAck(let tag, let multiple):
            return encode(amqp_basic_ack_t(delivery_tag: tag, multiple: flag(multiple)))
        case .basicNack(let tag, let multiple, let requeue):
            return encode(amqp_basic_nack_t(delivery_tag: tag, multiple: flag(multiple), requeue: flag(requeue)))
        case .basicReject(let tag, let requeue):
            return encode(amqp_basic_reject_t(delivery_tag: tag, requeue: flag(requeue)))
        case .other:
            return AMQP_STATUS_UNKNOWN_METHOD.rawValue
        }
    }
}
