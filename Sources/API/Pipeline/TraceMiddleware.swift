import HTTPTypes
import Hummingbird
import Logging
import TableOrderCore

/// Gives every request a W3C trace context and writes its access log line.
///
/// A valid incoming `traceparent` is continued (a gateway or client that traces keeps its trace), any
/// other request starts a new one. The context is the task-local `TraceContext.current` while the
/// request is handled, so `CommandSender` puts it inside the command it publishes and the worker logs the
/// same `trace_id`; it is also on the request's logger and answered as `traceparent` and `X-Request-ID`,
/// so a client reporting a problem can quote it. Installed first: the line covers the whole request.
struct TraceMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-ID")! }
    static var traceparentHeader: HTTPField.Name { HTTPField.Name("traceparent")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let trace = request.headers[Self.traceparentHeader].flatMap(TraceContext.init(header:))?.child() ?? .start()
        var context = context
        context.logger[metadataKey: "trace_id"] = .string(trace.traceID)
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await TraceContext.$current.withValue(trace) { try await next(request, context) }
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            Self.logAccess(request, status: status, since: start, logger: context.logger)
            throw error
        }
        response.headers[Self.traceparentHeader] = trace.header
        response.headers[Self.requestIDHeader] = trace.traceID
        Self.logAccess(request, status: response.status, since: start, logger: context.logger)
        return response
    }

    /// One line per request at `info`; probes and scrapes at `debug`, or they would drown the rest.
    private static func logAccess(_ request: Request, status: HTTPResponse.Status, since start: ContinuousClock.Instant, logger: Logger) {
        let path = request.uri.path
        let level: Logger.Level = path == "/healthz" || path == "/readyz" || path == "/metrics" ? .debug : .info
        guard logger.logLevel <= level else { return }
        let elapsed = start.duration(to: .now)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.log(
            level: level, "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(path),
                "status": .stringConvertible(status.code),
                "duration_ms": .stringConvertible((milliseconds * 1000).rounded() / 1000),
            ])
    }
}
