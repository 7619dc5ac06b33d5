import Foundation
import NIOConcurrencyHelpers
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A program started by the integration tests or the benchmark (swift-subprocess), its output appended to a
/// file, and its exit awaited.
///
/// The child inherits no descriptor of its parent but its output file (swift-subprocess closes the rest):
/// a child holding a test's socket kept that connection open after the test closed it. Output goes to a
/// file, never a pipe: a pipe to a program that starts a daemon (nchan.sh starting nginx) stays open for
/// as long as the daemon runs.
public final class Spawned: Sendable {
    public let pid: pid_t
    private let exited: Task<Int32, Never>
    /// A pidfd of the child while it has not been reaped: it names this process only, so a signal can
    /// never reach another that was given the same pid later. nil once the child is reaped.
    private let handle = NIOLockedValueBox<Int32?>(nil)

    /// - Parameters:
    ///   - output: a file that receives stdout and stderr (appended).
    public init(_ path: String, _ arguments: [String], environment: [String: String], output: String) async throws {
        let file = try FileDescriptor.open(
            FilePath(output), .writeOnly, options: [.create, .append, .closeOnExec],
            permissions: [.ownerReadWrite, .groupRead, .otherRead])
        let errors: FileDescriptor
        do { errors = try file.duplicate() } catch {
            try? file.close()
            throw error
        }
        let started = AsyncStream<Result<pid_t, any Error>>.makeStream()
        let handle = self.handle
        exited = Task {
            defer { handle.withLockedValue { fd in fd.map { _ = close($0) }; fd = nil } }
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(path)), arguments: Arguments(arguments),
                    environment: .custom(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
                    input: .none, output: .fileDescriptor(file, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(errors, closeAfterSpawningProcess: true)
                ) { execution in
                    // The library closes its pidfd once the child is reaped: this copy lives until then too.
                    let pidfd = fcntl(execution.processIdentifier.processDescriptor, F_DUPFD_CLOEXEC, 0)
                    handle.withLockedValue { $0 = pidfd >= 0 ? pidfd : nil }
                    started.continuation.yield(.success(execution.processIdentifier.value))
                }
                switch result.terminationStatus {
                case .exited(let code): return code
                case .signaled(let signal): return 128 + signal
                }
            } catch {
                started.continuation.yield(.failure(error))
                return -1
            }
        }
        var launch = started.stream.makeAsyncIterator()
        switch await launch.next() {
        case .success(let pid)?: self.pid = pid
        case .failure(let error)?: throw SpawnFailure("cannot start \(path): \(error)")
        case nil: throw SpawnFailure("cannot start \(path)")
        }
    }

    /// False once the child has exited (its pidfd is readable then), even before it is reaped.
    public var isRunning: Bool {
        handle.withLockedValue { fd in
            guard let fd else { return false }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&descriptor, 1, 0) == 0
        }
    }

    /// Sends `signal` to the child if it is still running: checked on its pidfd just before, so the signal
    /// does not reach a process that was given its pid after it was reaped.
    public func signal(_ signal: Int32) {
        handle.withLockedValue { fd in
            guard let fd else { return }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            // Not exited: not reaped either, so the pid is still this child's.
            if poll(&descriptor, 1, 0) == 0 { kill(pid, signal) }
        }
    }

    /// The exit status (128 + signal number when killed by a signal).
    public func exit() async -> Int32 { await exited.value }
}

public struct SpawnFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
