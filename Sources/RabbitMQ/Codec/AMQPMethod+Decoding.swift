import CRabbitMQ

extension AMQPMethod {
    /// Decodes the arguments of method `id` (what follows the id in a method frame) with
    /// `amqp_decode_method`, copying every field out of librabbitmq's memory: the caller may recycle
    /// `pool` and release `arguments` as soon as this returns.
    static func decode(id: UInt32, arguments: UnsafeRawBufferPointer, pool: AMQPPool) throws(AMQPCodecError)
        -> AMQPMethod
    {
        var decoded: UnsafeMutableRawPointer?
        let encoded = amqp_bytes_t(
            len: arguments.count, bytes: UnsafeMutableRawPointer(mutating: arguments.baseAddress))
        let status = amqp_decode_method(id, pool.pointer, encoded, &decoded)
        if status == AMQP_STATUS_UNKNOWN_METHOD.rawValue || status == AMQP_STATUS_UNKNOWN_CLASS.rawValue {
            throw .unknownMethod(id)
        }
        guard status == AMQP_STATUS_OK.rawValue, let decoded else { throw .undecodableMethod(id, status: status) }
        func fields<T>(_ type: T.Type) -> T { decoded.assumingMemoryBound(to: T.self).pointee }

        switch id {
        case AMQPMethodID.connectionStart:
            let m = fields(amqp_connection_start_t.self)
            return .connectionStart(
                versionMajor: m.version_major, versionMinor: m.version_minor,
                serverProperties: AMQPTable(m.server_properties),
                mechanisms: m.mechanisms.string, locales: m.locales.string)
        case AMQPMethodID.connectionStartOK:
            let m = fields(amqp_connection_start_ok_t.self)
            return .connectionStartOK(
                clientProperties: AMQPTable(m.client_properties), mechanism: m.mechanism.string,
                response: m.response.array,
                locale: m.locale.string)
        case AMQPMethodID.connectionSecure:
            return .connectionSecure(challenge: fields(amqp_connection_secure_t.self).challenge.array)
        case AMQPMethodID.connectionSecureOK:
            return .connectionSecureOK(response: fields(amqp_connection_secure_ok_t.self).response.array)
        case AMQPMethodID.connectionTune:
            let m = fields(amqp_connection_tune_t.self)
            return .connectionTune(channelMax: m.channel_max, frameMax: m.frame_max, heartbeat: m.heartbeat)
        case AMQPMethodID.connectionTuneOK:
            let m = fields(amqp_connection_tune_ok_t.self)
            return .connectionTuneOK(channelMax: m.channel_max, frameMax: m.frame_max, heartbeat: m.heartbeat)
        case AMQPMethodID.connectionOpen:
            return .connectionOpen(virtualHost: fields(amqp_connection_open_t.self).virtual_host.string)
        case AMQPMethodID.connectionOpenOK:
            return .connectionOpenOK
        case AMQPMethodID.connectionClose:
            let m = fields(amqp_connection_close_t.self)
            return .connectionClose(
                replyCode: m.reply_code, replyText: m.reply_text.string, classID: m.class_id, methodID: m.method_id)
        case AMQPMethodID.connectionCloseOK:
            return .connectionCloseOK
        case AMQPMethodID.connectionBlocked:
            return .connectionBlocked(reason: fields(amqp_connection_blocked_t.self).reason.string)
        case AMQPMethodID.connectionUnblocked:
            return .connectionUnblocked
        case AMQPMethodID.channelOpen:
            return .channelOpen
        case AMQPMethodID.channelOpenOK:
            return .channelOpenOK
        case AMQPMethodID.channelClose:
            let m = fields(amqp_channel_close_t.self)
            return .channelClose(
                replyCode: m.reply_code, replyText: m.reply_text.string, classID: m.class_id, methodID: m.method_id)
        case AMQPMethodID.channelCloseOK:
            return .channelCloseOK
        case AMQPMethodID.confirmSelect:
            return .confirmSelect
        case AMQPMethodID.confirmSelectOK:
            return .confirmSelectOK
        case AMQPMethodID.exchangeDeclare:
            let m = fields(amqp_exchange_declare_t.self)
            return .exchangeDeclare(
                exchange: m.exchange.string, type: m.type.string, durable: m.durable != 0,
                arguments: AMQPTable(m.arguments))
        case AMQPMethodID.exchangeDeclareOK:
            return .exchangeDeclareOK
        case AMQPMethodID.queueDeclare:
            let m = fields(amqp_queue_declare_t.self)
            return .queueDeclare(
                queue: m.queue.string, durable: m.durable != 0, exclusive: m.exclusive != 0,
                autoDelete: m.auto_delete != 0,
                arguments: AMQPTable(m.arguments))
        case AMQPMethodID.queueDeclareOK:
            let m = fields(amqp_queue_declare_ok_t.self)
            return .queueDeclareOK(
                queue: m.queue.string, messageCount: m.message_count, consumerCount: m.consumer_count)
        case AMQPMethodID.queueBind:
            let m = fields(amqp_queue_bind_t.self)
            return .queueBind(
                queue: m.queue.string, exchange: m.exchange.string, routingKey: m.routing_key.string,
                arguments: AMQPTable(m.arguments))
        case AMQPMethodID.queueBindOK:
            return .queueBindOK
        case AMQPMethodID.queuePurge:
            return .queuePurge(queue: fields(amqp_queue_purge_t.self).queue.string)
        case AMQPMethodID.queuePurgeOK:
            return .queuePurgeOK(messageCount: fields(amqp_queue_purge_ok_t.self).message_count)
        case AMQPMethodID.queueDelete:
            let m = fields(amqp_queue_delete_t.self)
            return .queueDelete(queue: m.queue.string, ifUnused: m.if_unused != 0, ifEmpty: m.if_empty != 0)
        case AMQPMethodID.queueDeleteOK:
            return .queueDeleteOK(messageCount: fields(amqp_queue_delete_ok_t.self).message_count)
        case AMQPMethodID.basicQos:
            return .basicQos(prefetchCount: fields(amqp_basic_qos_t.self).prefetch_count)
        case AMQPMethodID.basicQosOK:
            return .basicQosOK
        case AMQPMethodID.basicConsume:
            let m = fields(amqp_basic_consume_t.self)
            return .basicConsume(
                queue: m.queue.string, consumerTag: m.consumer_tag.string, noAck: m.no_ack != 0,
                exclusive: m.exclusive != 0)
        case AMQPMethodID.basicConsumeOK:
            return .basicConsumeOK(consumerTag: fields(amqp_basic_consume_ok_t.self).consumer_tag.string)
        case AMQPMethodID.basicCancel:
            let m = fields(amqp_basic_cancel_t.self)
            return .basicCancel(consumerTag: m.consumer_tag.string, noWait: m.nowait != 0)
        case AMQPMethodID.basicCancelOK:
            return .basicCancelOK(consumerTag: fields(amqp_basic_cancel_ok_t.self).consumer_tag.string)
        case AMQPMethodID.basicPublish:
            let m = fields(amqp_basic_publish_t.self)
            return .basicPublish(
                exchange: m.exchange.string, routingKey: m.routing_key.string, mandatory: m.mandatory != 0)
        case AMQPMethodID.basicReturn:
            let m = fields(amqp_basic_return_t.self)
            return .basicReturn(
                replyCode: m.reply_code, replyText: m.reply_text.string, exchange: m.exchange.string,
                routingKey: m.routing_key.string)
        case AMQPMethodID.basicDeliver:
            let m = fields(amqp_basic_deliver_t.self)
            return .basicDeliver(
                consumerTag: m.consumer_tag.string, deliveryTag: m.delivery_tag, redelivered: m.redelivered != 0,
                exchange: m.exchange.string, routingKey: m.routing_key.string)
        case AMQPMethodID.basicGet:
            let m = fields(amqp_basic_get_t.self)
            return .basicGet(queue: m.queue.string, noAck: m.no_ack != 0)
        case AMQPMethodID.basicGetOK:
            let m = fields(amqp_basic_get_ok_t.self)
            return .basicGetOK(
                deliveryTag: m.delivery_tag, redelivered: m.redelivered != 0, exchange: m.exchange.string,
                routingKey: m.routing_key.string, messageCount: m.message_count)
        case AMQPMethodID.basicGetEmpty:
            return .basicGetEmpty
        case AMQPMethodID.basicAck:
            let m = fields(amqp_basic_ack_t.self)
            return .basicAck(deliveryTag: m.delivery_tag, multiple: m.multiple != 0)
        case AMQPMethodID.basicNack:
            let m = fields(amqp_basic_nack_t.self)
            return .basicNack(deliveryTag: m.delivery_tag, multiple: m.multiple != 0, requeue: m.requeue != 0)
        case AMQPMethodID.basicReject:
            let m = fields(amqp_basic_reject_t.self)
            return .basicReject(deliveryTag: m.delivery_tag, requeue: m.requeue != 0)
        default:
            return .other(id: id)
        }
    }
}
