/// A W3C Trace Context (`traceparent`): the one id that ties an HTTP request to the log lines of the
/// API pod that accepted it and of the worker that applied its command, whichever pods those were.
///
/// The API continues a caller's trace when it sends a valid `traceparent` header and starts one
/// otherwise; the id travels inside the command message, so no shared state is needed to follow it.
public struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits, never all zeros.
    public let traceID: String
    /// 16 lowercase hex digits, never all zeros: the span that sent this context.
    public let spanID: String
    public let sampled: Bool

    /// The context of the task handling a request, read where a command is built.
    @TaskLocal public static var current: TraceContext?

    /// Parses `version-traceid-parentid-flags`; nil for anything the specification says to ignore.
    public init?(header: String) {
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4,
            parts[0].count == 2, parts[0] != "ff", Self.isHex(parts[0]),
            parts[1].count == 32, Self.isHex(parts[1]), parts[1].contains(where: { $0 != "0" }),
            parts[2].count == 16, Self.isHex(parts[2]), parts[2].contains(where: { $0 != "0" }),
            parts[3].count == 2, Self.isHex(parts[3]), let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        // Version 00 has exactly four fields; later versions may append more.
        if parts[0] == "00" && parts.count != 4 { return nil }
        traceID = String(parts[1])
        spanID = String(parts[2])
        sampled = flags & 1 == 1
    }

    public init(traceID: String, spanID: String, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// A new trace, for a request that arrived without one.
    public static func start() -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16), spanID: randomHex(bytes: 8), sampled: true)
    }

    /// The same trace, one span further: what this process does on behalf of the sender.
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.randomHex(bytes: 8), sampled: sampled)
    }

    /// The header value, version 00.
    public var header: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    private static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// `bytes` random bytes as hex, never all zeros (unique, not secret: `FastRandom`).
    private static func randomHex(bytes: Int) -> String {
        var random = FastRandom()
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes * 2)
        while true {
            out.removeAll(keepingCapacity: true)
            var remaining = bytes
            while remaining > 0 {
                var word = random.next()
                for _ in 0..<min(8, remaining) {
                    out.append(digits[Int(word >> 4 & 0x0F)])
                    out.append(digits[Int(word & 0x0F)])
                    word >>= 8
                }
                remaining -= 8
            }
            if out.contains(where: { $0 != UInt8(ascii: "0") }) { return String(decoding: out, as: UTF8.self) }
        }
    }
}
