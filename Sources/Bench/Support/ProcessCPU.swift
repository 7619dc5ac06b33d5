import Foundation

/// CPU time a process has used (user + system), from `/proc/PID/stat`, in microseconds.
///
/// A rate depends on whatever else runs on a shared machine; the CPU a process spends per operation much
/// less, so the write phase reports the API's CPU per accepted order beside its rate.
enum ProcessCPU {
    static func microseconds(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After the command name (which may hold spaces, so it is skipped up to its closing parenthesis):
        // field 3 is the state; utime and stime are fields 14 and 15, in clock ticks.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        guard ticksPerSecond > 0 else { return nil }
        return (user + system) * 1_000_000 / ticksPerSecond
    }
}
