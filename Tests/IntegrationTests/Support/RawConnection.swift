import Foundation

/// A plain TCP connection to a local server (a non-blocking POSIX socket), for what an HTTP client library
/// would not do: hold hundreds of connections (a client's pool would cap or reuse them), ask for a stream
/// and never read it, or send bytes no library would.
///
/// Every wait is a short `poll` with no timeout between `Task.sleep`s, never a blocking call: a test blocking
/// a thread of the cooperative pool (two on this machine) would stall every other test in the process.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private let lock = NSLock()
    private var isClosed = false
    private(set) var received: [UInt8] = []

    private static let pause = Duration.milliseconds(5)

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` sets `SO_RCVBUF` before the connection (so the
    /// window the server sees is small). Throws if the connection is refused or not made within `timeout`.
    init(port: Int, receiveBuffer: Int32? = nil, timeout: Duration = .seconds(10)) async throws {
        // Close-on-exec: a process started meanwhile must not inherit the socket (it would keep the
        // connection open on the server after this test closed it). `Spawned` closes it in its children
        // anyway; this holds for any other way a process is started.
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(AF_INET, flags, 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        self.fd = fd
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw failure("connect to \(port)") }
            // A server whose backlog is full leaves the connection pending (the kernel retries the SYN).
            guard try await wait(for: Int16(POLLOUT), until: .now + timeout) else {
                close()
                throw TestFailure("connect to \(port): no answer within \(timeout)")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close()
                throw TestFailure("connect to \(port): \(String(cString: strerror(error)))")
            }
        }
    }

    deinit { close() }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    func send(_ text: String, timeout: Duration = .seconds(10)) async throws {
        var bytes = Array(text.utf8)[...]
        let deadline = ContinuousClock.now + timeout
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                bytes = bytes.dropFirst(sent)
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                guard try await wait(for: Int16(POLLOUT), until: deadline) else { throw TestFailure("send: timed out") }
            } else {
                throw failure("send")
            }
        }
    }

    /// Reads what arrives within `duration`, keeping it in `received` when `keep`. Returns how many bytes
    /// arrived, and whether the peer closed the connection (end of stream or reset) meanwhile.
    @discardableResult
    func read(for duration: Duration, keep: Bool = true) async -> (bytes: Int, closed: Bool) {
        await read(until: .now + duration, keep: keep) { false }
    }

    /// Reads until `predicate` holds for the text received, the peer closes, or `timeout` passes.
    @discardableResult
    func read(until predicate: (String) -> Bool, timeout: Duration = .seconds(10)) async -> String {
        _ = await read(until: .now + timeout, keep: true) { predicate(self.text) }
        return text
    }

    /// Reads until the end of a response head (`\r\n\r\n`); throws if it does not arrive within `timeout`.
    @discardableResult
    func readHead(timeout: Duration = .seconds(10)) async throws -> String {
        let text = await read(until: { $0.contains("\r\n\r\n") }, timeout: timeout)
        guard text.contains("\r\n\r\n") else { throw TestFailure("no response head: \(text)") }
        return text
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// The status code of the response received, if its status line has arrived.
    var status: Int? {
        guard text.hasPrefix("HTTP/1.1 "), text.utf8.count >= 12 else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    /// The SSE ids received, in order. Split on bytes: in a `String`, the chunked encoding's "\r\n" is one
    /// character and would hide the line break before an `id:`.
    var eventIDs: [Int64] {
        received.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
            .filter { $0.hasPrefix("id: ") }.compactMap { Int64($0.dropFirst(4)) }
    }

    /// Connects and asks for `GET /api/admin/orders/stream` with `token`, then reads the response head.
    static func openStream(port: Int, token: String, timeout: Duration = .seconds(10)) async throws -> RawConnection {
        let connection = try await RawConnection(port: port, receiveBuffer: 1 << 16, timeout: timeout)
        try await connection.send(
            "GET /api/admin/orders/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try await connection.readHead(timeout: timeout)
        return connection
    }

    // MARK: Waiting without blocking a thread

    private func read(until deadline: ContinuousClock.Instant, keep: Bool, done: () -> Bool) async -> (bytes: Int, closed: Bool) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while !done(), ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (total, true) }
            if count > 0 {
                total += count
                if keep { received += buffer[..<count] }
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return (total, true) }
            guard (try? await wait(for: Int16(POLLIN), until: deadline)) == true else { break }
        }
        return (total, false)
    }

    /// Whether `events` became ready on the socket before `deadline`.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) async throws -> Bool {
        while true {
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            if poll(&descriptor, 1, 0) > 0 { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: Self.pause)
        }
    }

    private func failure(_ what: String) -> TestFailure {
        let reason = String(cString: strerror(errno))
        close()
        return TestFailure("\(what): \(reason)")
    }
}
