import CRabbitMQ
import Foundation
import Logging
import NIOConcurrencyHelpers
import TableOrderCore

/// Publishes persistent messages with publisher confirms, from one thread of its own.
///
/// Many async callers share one confirm-mode channel: each call queues its message and suspends
/// until the broker's `basic.ack` for that message (or its deadline). The thread publishes whatever is
/// queued in one go and reads confirms as they come, so under load confirms are awaited in batches
/// (the broker acks with `multiple`) while each caller still waits only for its own.
/// A `mandatory` message that no queue takes comes back as `basic.return` and fails its caller.
public final class AMQPPublisher: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case notConnected(String)
        case timedOut
        case nacked
        case unroutable
        case connectionLost
        case stopped

        public var description: String {
            switch self {
            case .notConnected(let why): "broker not connected: \(why)"
            case .timedOut: "no publisher confirm before the deadline"
            case .nacked: "broker refused the message"
            case .unroutable: "no queue took the message"
            case .connectionLost: "connection lost before the confirm"
            case .stopped: "publisher stopped"
            }
        }
    }

    private struct Request {
        var exchange: String
        var routingKey: String
        var body: [UInt8]
        var mandatory: Bool
        var headers: [(String, String)]
        var deadline: ContinuousClock.Instant
        var complete: @Sendable (Result<Void, any Error>) -> Void
    }

    /// One message of `publishAll`.
    public struct Message: Sendable {
        public var exchange: String
        public var routingKey: String
        public var body: [UInt8]
        public var mandatory: Bool

        public init(exchange: String, routingKey: String, body: [UInt8], mandatory: Bool) {
            self.exchange = exchange
            self.routingKey = routingKey
            self.body = body
            self.mandatory = mandatory
        }
    }

    private let url: AMQPURL
    private let declareTopology: @Sendable (AMQPConnection) throws -> Void
    private let logger: Logger
    private let name: String
    private let lock = NIOLock()
    private var queue: [Request] = []
    private var stopping = false
    private var connectedFlag = false
    private var lastError = "not yet connected"
    private let wakeup = Wakeup(coalescing: true)
    private let done = ConditionLock(value: false)

    init(
        name: String, url: AMQPURL, logger: Logger,
        declareTopology: @escaping @Sendable (AMQPConnection) throws -> Void
    ) {
        self.name = name
        self.url = url
        self.logger = logger
        self.declareTopology = declareTopology
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    /// Whether the publisher holds a live connection now (for readiness checks).
    public var isConnected: Bool { lock.withLock { connectedFlag } }
    public var lastErrorDescription: String { lock.withLock { lastError } }

    /// Publishes one persistent message and returns when the broker has confirmed it.
    public func publish(
        exchange: String, routingKey: String, body: [UInt8], mandatory: Bool,
        headers: [(String, String)] = [], timeout: Duration
    ) async throws {
        let caller = CallerLoop()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue([
                Request(
                    exchange: exchange, routingKey: routingKey, body: body, mandatory: mandatory, headers: headers,
                    deadline: .now + timeout, complete: { result in caller.run { continuation.resume(with: result) } })
            ])
        }
    }

    /// Publishes the messages in this order, awaiting all their confirms together; returns each outcome.
    public func publishAll(_ messages: [Message], timeout: Duration) async -> [Result<Void, any Error>] {
        await withCheckedContinuation { continuation in
            let batch = BatchCompletion<Void>(count: messages.count, continuation: continuation)
            let deadline = ContinuousClock.now + timeout
            enqueue(messages.enumerated().map { index, message in
                Request(
                    exchange: message.exchange, routingKey: message.routingKey, body: message.body,
                    mandatory: message.mandatory, headers: [], deadline: deadline, complete: { batch.complete(index, $0) })
            })
        }
    }

    private func enqueue(_ requests: [Request]) {
        guard !requests.isEmpty else { return }
        let accepted = lock.withLock {
            guard !stopping else { return false }
            queue.append(contentsOf: requests)
            return true
        }
        if accepted {
            wakeup.signal()
        } else {
            for request in requests { request.complete(.failure(Failure.stopped)) }
        }
    }

    /// Stops taking messages, waits for the confirms of those in flight (up to their deadlines), then closes.
    public func shutdown() {
        lock.withLock { stopping = true }
        wakeup.signal(force: true)
        done.lock(whenValue: true)
        done.unlock()
    }

    // MARK: - The publisher thread

    private struct InFlight {
        var tag: UInt64
        var request: Request
        var returned = false
    }

    /// For the coalescing wakeup (a stop wakes the thread with a forced signal).
    private func hasWork() -> Bool { lock.withLock { !queue.isEmpty } }

    private func runLoop() {
        var connection: AMQPConnection?
        var inflight: [InFlight] = []
        var frames = AMQPPublishBatch(channel: AMQPConnection.channel)
        var nextTag: UInt64 = 1
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(3))
        var nextAttempt = ContinuousClock.now

        func fail(_ requests: [Request], _ error: Failure) {
            for r in requests { r.complete(.failure(error)) }
        }
        func dropConnection(_ why: String) {
            logger.warning("rabbitmq publisher connection lost", metadata: ["publisher": "\(name)", "error": "\(why)"])
            connection?.close()
            connection = nil
            lock.withLock {
                connectedFlag = false
                lastError = why
            }
            fail(inflight.map(\.request), .connectionLost)
            inflight.removeAll()
            nextTag = 1
        }

        while true {
            let (batch, stop) = lock.withLock { () -> ([Request], Bool) in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return (taken, stopping)
            }
            if stop, batch.isEmpty, inflight.isEmpty { break }

            if connection == nil {
                if ContinuousClock.now >= nextAttempt {
                    do {
                        let fresh = try AMQPConnection(url: url)
                        try fresh.enableConfirms()
                        try declareTopology(fresh)
                        connection = fresh
                        nextTag = 1
                        backoff.reset()
                        lock.withLock { connectedFlag = true }
                        logger.info("rabbitmq publisher connected", metadata: ["publisher": "\(name)"])
                    } catch {
                        let why = "\(error)"
                        lock.withLock { lastError = why }
                        logger.debug("rabbitmq publisher cannot connect", metadata: ["error": "\(why)"])
                        nextAttempt = .now + backoff.nextDelay()
                    }
                }
                guard connection != nil else {
                    fail(batch, .notConnected(lock.withLock { lastError }))
                    if stop { break }
                    let wait = ContinuousClock.now.duration(to: nextAttempt)
                    wakeup.wait(socket: nil, timeoutMs: Int32(clamping: max(wait.milliseconds, 1)), unless: hasWork)
                    continue
                }
            }
            guard let conn = connection else { continue }

            frames.start(frameMax: Int(amqp_get_frame_max(conn.state)))
            let started = ContinuousClock.now
            for request in batch {
                if started >= request.deadline {
                    request.complete(.failure(Failure.timedOut))
                    continue
                }
                do {
                    try frames.append(
                        exchange: request.exchange, routingKey: request.routingKey, mandatory: request.mandatory,
                        messageID: String(nextTag), headers: request.headers, body: request.body)
                } catch {
                    request.complete(.failure(error))
                    continue
                }
                inflight.append(InFlight(tag: nextTag, request: request))
                nextTag += 1
            }
            if !frames.isEmpty, let error = frames.send(to: conn.socketFD) {
                dropConnection(error)
                continue
            }

            if let error = readFrames(conn, &inflight) {
                dropConnection(error)
                continue
            }

            // Expire callers whose deadline passed; a confirm arriving later is ignored.
            let now = ContinuousClock.now
            if inflight.contains(where: { $0.request.deadline <= now }) {
                for entry in inflight where entry.request.deadline <= now {
                    entry.request.complete(.failure(Failure.timedOut))
                }
                inflight.removeAll { $0.request.deadline <= now }
            }

            var timeoutMs: Int32 = 1000
            if let earliest = inflight.lazy.map(\.request.deadline).min() {
                timeoutMs = Int32(clamping: max(1, min(1000, now.duration(to: earliest).milliseconds + 1)))
            }
            if !conn.hasBufferedInput {
                wakeup.wait(socket: conn.socketFD, timeoutMs: timeoutMs, unless: hasWork)
            }
        }
        connection?.close()
        let leftovers = lock.withLock { () -> [Request] in
            let rest = queue
            queue.removeAll()
            connectedFlag = false
            return rest
        }
        fail(leftovers, .stopped)
        done.lock()
        done.unlock(withValue: true)
    }

    /// Reads every frame available now. Returns a description if the connection is no longer usable.
    private func readFrames(_ conn: AMQPConnection, _ inflight: inout [InFlight]) -> String? {
        while true {
            var frame = amqp_frame_t()
            var zero = timeval(tv_sec: 0, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(conn.state, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            guard status == AMQP_STATUS_OK.rawValue else { return String(cString: amqp_error_string2(status)) }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            let method = frame.payload.method
            switch method.id {
            case AMQPMethod.basicAck:
                let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                settle(&inflight, upTo: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
            case AMQPMethod.basicNack:
                let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                settle(&inflight, upTo: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
            case AMQPMethod.basicReturn:
                var message = amqp_message_t()
                let reply = amqp_read_message(conn.state, frame.channel, &message, 0)
                guard reply.reply_type == AMQP_RESPONSE_NORMAL else { return "reading a returned message failed" }
                if let tag = UInt64(message.properties.message_id.string),
                    let index = inflight.firstIndex(where: { $0.tag == tag })
                {
                    inflight[index].returned = true
                }
                amqp_destroy_message(&message)
            case AMQPMethod.channelClose, AMQPMethod.connectionClose:
                let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return "broker closed the channel: \(close.reply_code) \(close.reply_text.string)"
            default:
                continue
            }
        }
    }

    private func settle(_ inflight: inout [InFlight], upTo tag: UInt64, multiple: Bool, nacked: Bool) {
        let matches: (InFlight) -> Bool = multiple ? { $0.tag <= tag } : { $0.tag == tag }
        for entry in inflight where matches(entry) {
            if nacked {
                entry.request.complete(.failure(Failure.nacked))
            } else if entry.returned {
                entry.request.complete(.failure(Failure.unroutable))
            } else {
                entry.request.complete(.success(()))
            }
        }
        inflight.removeAll(where: matches)
    }
}
