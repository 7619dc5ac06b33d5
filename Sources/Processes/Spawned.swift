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
    private let finished = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - output: a file that receives stdout and stderr (appended).
    public init(_ path: String, _ arguments: [String], environment: [String: String], output: String) async throws {
        let file = try FileDescriptor.open(
            FilePath(output), .writeOnly, options: [.create, .append, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        let errors = try file.duplicate()
        let started = AsyncStream<Result<pid_t, any Error>>.makeStream()
        let finished = self.finished
        exited = Task {
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(path)), arguments: Arguments(arguments),
                    environment: .custom(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(rawValue: $0.key)!, $0.value) })),
                    input: .none, output: .fileDescriptor(file, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(errors, closeAfterSpawningProcess: true)
                ) { execution in
                    started.continuation.yield(.success(execution.processIdentifier.value))
                }
                finished.withLockedValue { $0 = true }
                switch result.terminationStatus {
                case .exited(let code): return code
                case .signaled(let signal): return 128 + signal
                }
            } catch {
                finished.withLockedValue { $0 = true }
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

    public var isRunning: Bool { !finished.withLockedValue { $0 } }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// The exit status (128 + signal number when killed by a signal).
    public func exit() async -> Int32 { await exited.value }
}

public struct SpawnFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
