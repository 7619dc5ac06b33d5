import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process the benchmark starts (the API, a worker, wrk, …), its output kept in a log file so a failed
/// run can be diagnosed after the fact.
///
/// Started with `posix_spawn` and reaped with `waitpid`, not Foundation's `Process`: on Linux that one
/// decides a child has exited when a socket it hands the child is closed, so a child that starts a
/// daemon (nchan.sh starting nginx) would look alive for as long as the daemon runs.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let logPath: String
    let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    init(name: String, executable: String, arguments: [String] = [], environment: [String: String], logDirectory: String)
        throws
    {
        self.name = name
        self.logPath = "\(logDirectory)/\(name).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Reaps the child if it has exited (without blocking).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return true }
        exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return false
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit; returns its status (128 + signal when killed).
    func exit() async -> Int32 {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return lock.withLock { exitStatus ?? -1 }
    }

    /// SIGTERM, then waits for the exit (SIGKILL after `grace`).
    func stop(grace: Duration = .seconds(15)) async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if isRunning { kill(pid, SIGKILL) }
        _ = await exit()
    }

    /// Runs a command to its end; returns its exit status and everything it printed.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], logDirectory: String)
        async throws -> (status: Int32, output: String)
    {
        let name = URL(fileURLWithPath: executable).lastPathComponent + "-" + UUID().uuidString.prefix(6)
        let child = try ChildProcess(
            name: name, executable: executable, arguments: arguments, environment: environment,
            logDirectory: logDirectory)
        let status = await child.exit()
        return (status, child.output)
    }
}
