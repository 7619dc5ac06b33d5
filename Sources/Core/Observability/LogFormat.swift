import Logging

/// How the processes write their logs: JSON lines by default in production, where a collector reads
/// them; swift-log's text in development, where a person does.
public enum LogFormat: String, Sendable {
    case json, text

    /// Installs the process-wide log handler; call once, first thing in `main`.
    public static func bootstrap(_ format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                switch format {
                case .json: JSONLogHandler(label: label)
                case .text: StreamLogHandler.standardOutput(label: label)
                }
            handler.logLevel = level
            return handler
        }
    }
}
