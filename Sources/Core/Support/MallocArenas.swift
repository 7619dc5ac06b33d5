#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Caps glibc's malloc arenas for a process that holds thousands of connections.
///
/// glibc gives a thread that meets contention an arena of its own, up to eight per core, and memory freed
/// into one arena is reused only by the threads of that arena. An API pod's connections are allocated and
/// freed across NIO's event loops, the C clients' threads and the thread pool, so with the default every
/// arena keeps its own partly used pages: 5,000 SSE streams cost 15.4 KiB each with 16 arenas and 8.5 KiB
/// with two, in fan-out runs one after the other (`tableorder-bench --only fan-out`), with the broadcast
/// latency unchanged. `MALLOC_ARENA_MAX`, when set in the environment, still decides.
public enum MallocArenas {
    public static func limit(to count: Int32) {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = mallopt(M_ARENA_MAX, count)
        #endif
    }
}
