import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Keeps the number of open client connections within `DescriptorBudget.connections`: one past it is
/// closed as soon as it is accepted, so clients can never take the descriptors the process needs for
/// itself. Closing at once is what a load balancer expects of a full backend (it retries elsewhere);
/// streams are refused politely earlier, with a 503, by the hub's lower cap.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// The count shared by every connection's handler.
    final class Counter: Sendable {
        let maximum: Int
        private let open = NIOLockedValueBox(0)
        private let refused = Metrics.Counter(label: "tableorder_connections_refused_total")
        private let gauge = Gauge(label: "tableorder_http_connections")
        private let lastWarning = NIOLockedValueBox(NIODeadline.uptimeNanoseconds(0))
        let logger: Logger

        init(maximum: Int, logger: Logger) {
            self.maximum = maximum
            self.logger = logger
        }

        var current: Int { open.withLockedValue { $0 } }

        fileprivate func admit() -> Bool {
            let (admitted, count) = open.withLockedValue { open -> (Bool, Int) in
                guard open < maximum else { return (false, open) }
                open += 1
                return (true, open)
            }
            if admitted {
                gauge.record(count)
            } else {
                refused.increment()
                warnAtMostEverySecond()
            }
            return admitted
        }

        fileprivate func release() {
            gauge.record(open.withLockedValue { open in
                open -= 1
                return open
            })
        }

        private func warnAtMostEverySecond() {
            let now = NIODeadline.now()
            let due = lastWarning.withLockedValue { last in
                guard now - last >= .seconds(1) else { return false }
                last = now
                return true
            }
            if due { logger.warning("connection refused: the server holds its maximum", metadata: ["maximum": "\(maximum)"]) }
        }
    }

    private let counter: Counter
    private var admitted: Bool?

    init(counter: Counter) { self.counter = counter }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { decide(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        decide(context)
        if admitted == true { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted == true { counter.release() }
        admitted = false
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if admitted == true { counter.release() }
        admitted = false
    }

    private func decide(_ context: ChannelHandlerContext) {
        guard admitted == nil else { return }
        admitted = counter.admit()
        if admitted == false { context.close(promise: nil) }
    }
}
