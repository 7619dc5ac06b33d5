import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 UTC timestamps with millisecond precision, as every JSON timestamp of the contract.
public enum Timestamp {
    /// Written with the C library's calendar (`gmtime_r`), not Foundation's date formatting, which would load
    /// ICU's calendar data into every process using it: this runs for every accepted order, every stored
    /// row read back, and every JSON log line. Same text as Foundation's `ISO8601FormatStyle` with
    /// fractional seconds (milliseconds truncated).
    public static func string(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let milliseconds = Int((interval - interval.rounded(.down)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return "\(digits(Int(parts.tm_year) + 1900, 4))-\(digits(Int(parts.tm_mon) + 1, 2))-\(digits(Int(parts.tm_mday), 2))"
            + "T\(digits(Int(parts.tm_hour), 2)):\(digits(Int(parts.tm_min), 2)):\(digits(Int(parts.tm_sec), 2))"
            + ".\(digits(milliseconds, 3))Z"
    }

    public static func now() -> String { string(Date()) }

    /// Parses `YYYY-MM-DD` (a UTC day) for history filters.
    public static func day(_ text: String) -> Date? {
        let style = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        guard text.utf8.count == 10 else { return nil }
        return try? style.parse(text)
    }
}
