import Hummingbird
import Prometheus
import TableOrderCore
import TableOrderHTTP

/// Every route of the API and the middleware in front of them, in one place.
enum APIRouter {
    static func make(deps: Dependencies, registry: PrometheusCollectorRegistry) -> (Router<AppRequestContext>, RouteTable) {
        let router = Router(context: AppRequestContext.self)
        if !deps.settings.trustedProxies.isEmpty {
            router.add(middleware: ClientAddressMiddleware(trusted: deps.settings.trustedProxies))
        }
        router.addMiddleware {
            TraceMiddleware()
            MetricsMiddleware()
            ErrorMiddleware()
            AuthMiddleware(
                tokens: deps.tokens, revocations: deps.revocations, limiter: deps.limiter, settings: deps.settings)
        }
        OperationsRoutes(readiness: deps.readiness, registry: registry).register(on: router)
        let table = RouteTable(router: router)
        AuthRoutes(deps: deps).register(on: table)
        MenuRoutes(deps: deps).register(on: table)
        MenuAdminRoutes(deps: deps).register(on: table)
        OrderRoutes(deps: deps).register(on: table)
        StreamRoutes(deps: deps).register(on: table)
        TableRoutes(deps: deps).register(on: table)
        CallRoutes(deps: deps).register(on: table)
        ReportRoutes(deps: deps).register(on: table)
        PageRoutes(assets: .load(logger: deps.logger)).register(on: router)
        OpenAPIRoutes().register(on: router)
        return (router, table)
    }
}
