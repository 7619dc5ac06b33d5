import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files only their owner may read (mode 0600 from the moment they exist), for secrets on disk:
/// development mode's SQLite database (password hashes) and its credentials file.
///
/// Created with the mode in the `open` call itself, not chmod-ed afterwards: a file created with the
/// process's umask is readable by others until the chmod, and a chmod whose result is ignored may never
/// happen. A file that already exists is tightened to 0600 too (one made by an older version).
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Makes sure `path` exists with mode 0600, leaving its content as it is.
    public static func prepare(_ path: String) throws {
        let fd = try openPrivate(path, flags: O_RDWR | O_CREAT)
        close(fd)
    }

    /// Replaces the content of `path` (mode 0600) with `bytes`.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let fd = try openPrivate(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(fd) }
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            rest = rest.dropFirst(written)
        }
    }

    private static func openPrivate(_ path: String, flags: Int32) throws -> Int32 {
        let fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard fchmod(fd, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot restrict \(path) to its owner: \(reason)")
        }
        return fd
    }
}
