#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A file descriptor another thread can make readable, so a C-library thread that waits in `poll()`
/// on its socket also wakes up when Swift code hands it work.
///
/// A coalescing wakeup writes to its pipe only while its thread is about to sleep or sleeping: under load
/// the thread is busy with the previous batch and finds the new work without a system call per request.
/// Its thread must then pass `wait` the check for pending work, made after it declared itself sleeping.
final class Wakeup: @unchecked Sendable {
    let readFD: Int32
    private let writeFD: Int32
    private let coalescing: Bool
    private let sleeping = Atomic<Bool>(false)

    init(coalescing: Bool = false) {
        self.coalescing = coalescing
        var fds: [Int32] = [0, 0]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe() failed")
        readFD = fds[0]
        writeFD = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Call after making the work visible to the thread (under its lock). `force` writes even to a busy
    /// thread (for a stop, which `hasWork` does not report).
    func signal(force: Bool = false) {
        if coalescing, !sleeping.exchange(false, ordering: .sequentiallyConsistent), !force { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, 64) > 0 {}
    }

    /// Waits until `fd` (if any) is readable, the wakeup is signalled, or `timeoutMs` passes; returns at
    /// once if `hasWork` (checked after the thread declared itself sleeping) says work is already pending.
    /// - Returns: whether `fd` is readable.
    @discardableResult
    func wait(socket fd: Int32?, timeoutMs: Int32, unless hasWork: () -> Bool = { false }) -> Bool {
        sleeping.store(true, ordering: .sequentiallyConsistent)
        defer { sleeping.store(false, ordering: .sequentiallyConsistent) }
        if hasWork() { return false }
        var pfds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)]
        if let fd { pfds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let rc = poll(&pfds, nfds_t(pfds.count), timeoutMs)
        if rc > 0, pfds[0].revents != 0 { drain() }
        guard rc > 0, fd != nil else { return false }
        return pfds[1].revents != 0
    }
}
