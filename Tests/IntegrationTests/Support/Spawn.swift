import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts programs with `posix_spawn` and reaps them with `waitpid` on a thread of its own.
///
/// Foundation's `Process` was seen here to miss a child's exit now and then (its `waitUntilExit`
/// never returned while the child sat as a zombie), which hangs a test for good; and a pipe to a
/// program that starts a server stays open as long as the server runs. So output goes to files, and
/// exits are awaited directly.
final class Spawned: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []

    /// - Parameters:
    ///   - output: a file that receives stdout and stderr (appended).
    init(_ path: String, _ arguments: [String], environment: [String: String], output: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot start \(path): \(String(cString: strerror(rc)))") }
        self.pid = pid
        let child = pid
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            lock.lock()
            exitStatus = code
            let toResume = waiters
            waiters.removeAll()
            lock.unlock()
            for waiter in toResume { waiter.resume(returning: code) }
        }
        thread.start()
    }

    var isRunning: Bool { lock.lock(); defer { lock.unlock() }; return exitStatus == nil }

    func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// The exit status (128 + signal number when killed by a signal).
    func exit() async -> Int32 {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let status = exitStatus {
                lock.unlock()
                continuation.resume(returning: status)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
