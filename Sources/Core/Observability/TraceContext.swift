import W3CTraceContext

/// A W3C Trace Context (`traceparent`): the one id that ties an HTTP request to the log lines of the
/// API pod that accepted it and of the worker that applied its command, whichever pods those were.
///
/// The API continues a caller's trace when it sends a valid `traceparent` header and starts one
/// otherwise; the id travels inside the command message, so no shared state is needed to follow it.
/// swift-w3c-trace-context parses and prints the header; this is the view the logs and messages need.
public struct TraceContext: Sendable, Hashable {
    private let context: W3CTraceContext.TraceContext

    /// The context of the task handling a request, read where a command is built.
    @TaskLocal public static var current: TraceContext?

    private init(_ context: W3CTraceContext.TraceContext) { self.context = context }

    /// Parses a `traceparent` header; nil for anything the specification says to ignore, and for versions
    /// after 00, which the parser does not know (such a request starts a new trace).
    public init?(header: String) {
        guard let context = try? W3CTraceContext.TraceContext(traceParentHeaderValue: header) else { return nil }
        self.init(context)
    }

    /// 32 lowercase hex digits, never all zeros.
    public var traceID: String { context.traceID.description }
    /// 16 lowercase hex digits, never all zeros: the span that sent this context.
    public var spanID: String { context.spanID.description }
    public var sampled: Bool { context.flags.contains(.sampled) }

    /// A new trace, for a request that arrived without one.
    public static func start() -> TraceContext {
        var random = FastRandom()
        return TraceContext(
            W3CTraceContext.TraceContext(
                traceID: nonZero { .random(using: &random) }, spanID: nonZero { .random(using: &random) },
                flags: .sampled, state: TraceState()))
    }

    /// The same trace, one span further: what this process does on behalf of the sender. Only the sampled
    /// flag is carried on (the one flag version 00 defines).
    public func child() -> TraceContext {
        var random = FastRandom()
        return TraceContext(
            W3CTraceContext.TraceContext(
                traceID: context.traceID, spanID: Self.nonZero { .random(using: &random) },
                flags: sampled ? .sampled : [], state: TraceState()))
    }

    /// The header value, version 00.
    public var header: String { context.traceParentHeaderValue }

    /// An id drawn until it is not all zeros (the one value the specification forbids).
    private static func nonZero<ID: Equatable>(_ draw: () -> ID) -> ID where ID: NullID {
        while true {
            let id = draw()
            if id != .null { return id }
        }
    }
}

/// The trace and span ids, which both have an all-zeros value.
protocol NullID { static var null: Self { get } }
extension TraceID: NullID {}
extension SpanID: NullID {}
