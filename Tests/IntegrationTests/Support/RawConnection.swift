import Foundation

/// A plain blocking TCP connection to a local server, for tests that hold hundreds of connections (an
/// HTTP client's pool would cap or reuse them) or send bytes no client library would.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private(set) var received: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; nil if the connection is refused.
    init?(port: Int) {
        // Close-on-exec: a process another test starts meanwhile must not inherit the socket (it would keep
        // the connection open on the server after this test closed it).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what arrives within `timeout` (or until the peer closes). Returns false once the peer closed.
    @discardableResult
    func read(for timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while ContinuousClock.now < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&pfd, 1, ms) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return false }
            received += buffer[..<count]
        }
        return true
    }

    /// Reads until `predicate` holds for the text received, the peer closes, or `timeout` passes.
    func read(until predicate: (String) -> Bool, timeout: Duration = .seconds(10)) -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !predicate(text) {
            if !read(for: .milliseconds(50)) { break }
        }
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
}
