import HTTPTypes
import Hummingbird
import Prometheus
import TableOrderCore

/// `/healthz`, `/readyz` and `/metrics` (contract §9), the same on API pods and workers.
public struct OperationsRoutes: Sendable {
    let readiness: @Sendable () async -> [String]
    let registry: PrometheusCollectorRegistry

    public init(readiness: @escaping @Sendable () async -> [String], registry: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.registry = registry
    }

    static func json(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: text)))
    }

    public func register(on router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            let problems = await readiness()
            guard problems.isEmpty else {
                throw ServiceError.unavailable("not ready: " + problems.joined(separator: "; "), retryAfter: 5)
            }
            return Self.json(#"{"status":"ready"}"#)
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: registry.emitToString())))
        }
    }
}
