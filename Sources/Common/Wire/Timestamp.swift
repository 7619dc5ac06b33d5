import Foundation

/// RFC 3339 UTC timestamps with millisecond precision, as every JSON timestamp of the contract.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    public static func now() -> String { string(Date()) }

    /// Parses `YYYY-MM-DD` (a UTC day) for history filters.
    public static func day(_ text: String) -> Date? {
        let style = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        guard text.utf8.count == 10 else { return nil }
        return try? style.parse(text)
    }
}
