import NIOCore
import NIOPosix

/// The event loop a suspended caller was running on, to continue it there.
///
/// Work finished elsewhere (a C client's thread, another connection's event loop) would resume its caller
/// wherever the runtime picks, and a request that then writes its response from a loop other than its
/// connection's hops once more. Resuming on the caller's own loop costs the same wake-up and saves that hop.
public struct CallerLoop: Sendable {
    private let loop: (any EventLoop)?

    public init() { loop = MultiThreadedEventLoopGroup.currentEventLoop }

    public func run(_ body: @escaping @Sendable () -> Void) {
        if let loop { loop.execute(body) } else { body() }
    }
}
