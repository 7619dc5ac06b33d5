#if canImport(Glibc)
import TableOrderCommon
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor another thread can make readable, so a C-library thread that waits in `poll()`
/// on its socket also wakes up when Swift code hands it work.
final class Wakeup: @unchecked Sendable {
    let readFD: Int32
    private let writeFD: Int32

    init() {
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

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, 64) > 0 {}
    }

    /// Waits until `fd` (if any) is readable, the wakeup is signalled, or `timeoutMs` passes.
    /// - Returns: whether `fd` is readable.
    @discardableResult
    func wait(socket fd: Int32?, timeoutMs: Int32) -> Bool {
        var pfds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)]
        if let fd { pfds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let rc = poll(&pfds, nfds_t(pfds.count), timeoutMs)
        if rc > 0, pfds[0].revents != 0 { drain() }
        guard rc > 0, fd != nil else { return false }
        return pfds[1].revents != 0
    }
}
