import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// How the process's open files are shared out, so that a full pod refuses work instead of dying.
///
/// At the limit every path that needs a descriptor fails at once — a database or Redis connection, a
/// pipe, and libdispatch's own worker monitor, which reads `/proc` and traps when it cannot open it (seen:
/// the API died by SIGILL with 20,000 streams open). So the API never lets clients take the last
/// descriptors: a `reserve` stays for pools, broker and Redis connections, reconnects, logs and the
/// runtime; client connections get the rest; and streams, which stay open for hours, get most of that,
/// leaving room for ordinary requests (and `/readyz`) on a pod full of streams.
public struct DescriptorBudget: Sendable, Equatable {
    /// The soft open-file limit the process runs with.
    public let limit: Int
    public let reserve: Int
    /// Client connections (streams included) the server keeps open at once.
    public let connections: Int
    /// Live streams (`SSE_MAX_STREAMS`, or what the limit allows).
    public let streams: Int

    /// - Parameter cores: each event loop (one per core) holds its own descriptors (epoll, eventfd, timer).
    public init(limit: Int, streams configured: Int? = nil, cores: Int = System.coreCount) {
        self.limit = max(0, limit)
        reserve = min(self.limit, 64 + 4 * max(1, cores) + self.limit / 16)
        connections = self.limit - reserve
        let derived = max(0, connections - max(16, connections / 8))
        // A configured cap above what the descriptors allow would only move the failure: keep the lower.
        streams = min(configured ?? derived, derived)
    }

    /// Raises the soft open-file limit to the hard one (a process starts with the soft limit its parent
    /// had, often 1,024, while the hard limit allows far more) and returns both, before and after.
    public static func raiseOpenFileLimit() -> (before: Int, after: Int, hard: Int) {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return (0, 0, 0) }
        let before = Self.clamp(limits.rlim_cur)
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        return (before, Self.clamp(limits.rlim_cur), Self.clamp(limits.rlim_max))
    }

    /// `RLIM_INFINITY` and anything past `Int.max` as `Int.max`; the kernel's own cap (`nr_open`) is far lower.
    private static func clamp(_ value: rlim_t) -> Int { value > rlim_t(Int.max) ? Int.max : Int(value) }
}
