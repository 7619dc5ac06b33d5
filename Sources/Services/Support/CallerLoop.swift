import NIOCore
import NIOPosix

/// The event loop a caller of a C-library client was running on, to continue it there.
///
/// The clients' threads finish requests; resuming a continuation from such a thread lets the runtime
/// pick any event loop, and a request that then writes its response from a loop other than its
/// connection's hops once more. Resuming on the caller's own loop costs the same wake-up and saves that hop.
struct CallerLoop: Sendable {
    private let loop: (any EventLoop)?

    init() { loop = MultiThreadedEventLoopGroup.currentEventLoop }

    func run(_ body: @escaping @Sendable () -> Void) {
        if let loop { loop.execute(body) } else { body() }
    }
}
