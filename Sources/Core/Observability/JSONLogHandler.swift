import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Writes each log record as one JSON object on one line of standard output, so a collector (Loki,
/// Elasticsearch, CloudWatch) can index its fields — above all `trace_id`, which follows a request
/// from the API pod that accepted it into the worker that applied it.
///
/// Fields: `ts` (RFC 3339, UTC, milliseconds), `level`, `logger`, `msg`, then the record's metadata as
/// top-level keys (a key that would shadow one of these four is written with a `meta.` prefix).
/// Each line goes out in one `write(2)`, so lines from concurrent tasks never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: @Sendable ([UInt8]) -> Void

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider, sink: JSONLogHandler.writeToStandardOutput)
    }

    /// - Parameter sink: receives each finished line (newline included); tests collect them.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }

        var out = JSONWriter()
        out.raw("{")
        out.field("ts", Timestamp.now(), first: true)
        out.field("level", event.level.rawValue)
        out.field("logger", label)
        out.field("msg", event.message.description)
        for key in merged.keys.sorted() {
            out.raw(",")
            out.string(Self.reserved.contains(key) ? "meta.\(key)" : key)
            out.raw(":")
            Self.write(merged[key]!, to: &out)
        }
        out.raw("}\n")
        sink(out.bytes)
    }

    private static let reserved: Set<String> = ["ts", "level", "logger", "msg"]

    private static func write(_ value: Logger.Metadata.Value, to out: inout JSONWriter) {
        switch value {
        case .string(let text): out.string(text)
        case .stringConvertible(let convertible): out.string(convertible.description)
        case .array(let values):
            out.raw("[")
            for (index, element) in values.enumerated() {
                if index > 0 { out.raw(",") }
                write(element, to: &out)
            }
            out.raw("]")
        case .dictionary(let entries):
            out.raw("{")
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { out.raw(",") }
                out.string(key)
                out.raw(":")
                write(entries[key]!, to: &out)
            }
            out.raw("}")
        }
    }

    private static let outputLock = NSLock()

    @Sendable private static func writeToStandardOutput(_ line: [UInt8]) {
        outputLock.lock()
        defer { outputLock.unlock() }
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // stdout closed or full: a log line is not worth blocking or crashing for
                }
            }
        }
    }
}
