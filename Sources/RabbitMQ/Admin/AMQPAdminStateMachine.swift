import DequeModule
import NIOCore

/// The admin connection's calls (declare, bind, purge, delete, `basic.get`): synchronous AMQP methods
/// answered in order on the channel, so they are pipelined and matched first in, first out.
///
/// Pure; the session does the I/O. Calls made while disconnected wait (up to their deadline) and are
/// sent when the connection is ready; a call sent on a connection that then closes fails with the
/// reason (typically the broker's own refusal, e.g. `404 NOT_FOUND`, which closes the channel).
struct AMQPAdminStateMachine<Caller> {
    struct Completion {
        var caller: Caller
        var result: Result<AMQPAdminReply, AMQPAdminError>
    }

    enum CallAction {
        case send(AMQPMethod, armTimer: NIODeadline?)
        case wait(armTimer: NIODeadline?)
        case fail(AMQPAdminError)
    }

    private struct Call {
        let request: AMQPMethod
        /// `nil` once answered (a timeout) though the broker's reply is still due.
        var caller: Caller?
        let deadline: NIODeadline
    }

    private var connected = false
    private var stopped = false
    private var queued = Deque<Call>()
    private var sent = Deque<Call>()
    private var assembler = AMQPContentAssembler()
    private var timerDeadline: NIODeadline?
    private var lastError = "not yet connected"

    init() {}

    mutating func call(_ request: AMQPMethod, caller: Caller, deadline: NIODeadline) -> CallAction {
        guard !stopped else { return .fail(AMQPAdminError("the admin connection is closed")) }
        var arm: NIODeadline?
        if timerDeadline.map({ deadline < $0 }) ?? true {
            timerDeadline = deadline
            arm = deadline
        }
        if connected {
            sent.append(Call(request: request, caller: caller, deadline: deadline))
            return .send(request, armTimer: arm)
        }
        queued.append(Call(request: request, caller: caller, deadline: deadline))
        return .wait(armTimer: arm)
    }

    /// The channel is open: returns the calls waiting for it, to send now.
    mutating func connectionReady() -> [AMQPMethod] {
        guard !stopped else { return [] }
        connected = true
        let requests = queued.map(\.request)
        sent.append(contentsOf: queued)
        queued.removeAll()
        return requests
    }

    mutating func connectionLost(reason: String) -> [Completion] {
        connected = false
        lastError = reason
        assembler.reset()
        let failed = sent.compactMap { call in
            call.caller.map {
                Completion(caller: $0, result: .failure(AMQPAdminError("\(call.request.name): \(reason)")))
            }
        }
        sent.removeAll()
        return failed
    }

    /// A frame on the channel. Returns the call it completes, if any, or a protocol error.
    mutating func received(_ frame: AMQPFrame) -> Result<Completion?, AMQPAdminError> {
        let result: AMQPContentAssembler.Result
        switch frame {
        case .method(_, .basicGetOK(let tag, let redelivered, let exchange, let key, let count)):
            result = assembler.start(
                .basicGetOK(
                    deliveryTag: tag, redelivered: redelivered, exchange: exchange, routingKey: key, messageCount: count
                ))
        case .method(_, .basicGetEmpty):
            return .success(answer(.message(nil)))
        case .method(_, let method):
            guard let request = sent.first?.request, method.answers(request) else {
                return .failure(AMQPAdminError("protocol error: \(method.name) answers no call"))
            }
            return .success(answer(.method(method)))
        case .header(_, let header):
            result = assembler.header(header)
        case .body(_, let bytes):
            result = assembler.body(bytes)
        case .heartbeat:
            return .success(nil)
        }
        switch result {
        case .incomplete: return .success(nil)
        case .protocolError(let what): return .failure(AMQPAdminError("protocol error: \(what)"))
        case .complete(let message): return .success(answer(.message(message.body)))
        }
    }

    /// The timer fired: calls whose deadline passed fail. Returns them, and the next deadline to arm.
    mutating func timerFired(now: NIODeadline) -> (completions: [Completion], armTimer: NIODeadline?) {
        timerDeadline = nil
        var completions: [Completion] = []
        var earliest: NIODeadline?
        func expire(_ calls: inout Deque<Call>, removing: Bool) {
            for index in calls.indices.reversed() {
                guard let caller = calls[index].caller else { continue }
                if calls[index].deadline <= now {
                    let why = connected ? "no answer in time" : "not connected: \(lastError)"
                    completions.append(
                        Completion(
                            caller: caller, result: .failure(AMQPAdminError("\(calls[index].request.name): \(why)"))))
                    if removing { calls.remove(at: index) } else { calls[index].caller = nil }
                } else if earliest.map({ calls[index].deadline < $0 }) ?? true {
                    earliest = calls[index].deadline
                }
            }
        }
        expire(&queued, removing: true)
        expire(&sent, removing: false)
        timerDeadline = earliest
        return (completions.reversed(), earliest)
    }

    /// No more calls; those not sent yet fail.
    mutating func shutdown() -> [Completion] {
        stopped = true
        let failed = queued.compactMap { call in
            call.caller.map {
                Completion(
                    caller: $0, result: .failure(AMQPAdminError("\(call.request.name): the admin connection is closed"))
                )
            }
        }
        queued.removeAll()
        return failed
    }

    private mutating func answer(_ reply: AMQPAdminReply) -> Completion? {
        guard let call = sent.popFirst() else { return nil }
        return call.caller.map { Completion(caller: $0, result: .success(reply)) }
    }
}

/// What an admin call's answer was.
enum AMQPAdminReply: Equatable, Sendable {
    /// The `-ok` method.
    case method(AMQPMethod)
    /// A `basic.get` answer: the message body, or `nil` for `get-empty`.
    case message([UInt8]?)
}

/// A failed admin call: the method and the broker's or the connection's words.
public struct AMQPAdminError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
