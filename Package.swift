// swift-tools-version:6.2
import Foundation
import PackageDescription

/// The RabbitMQ and Redis adapters link librabbitmq and hiredis (Debian librabbitmq-dev, libhiredis-dev).
/// Without them the package still builds, for development mode only, so that a fresh clone runs with
/// nothing but the Swift toolchain. `TABLEORDER_SERVICES=0|1` overrides the detection.
let serviceLibraries: Bool = {
    switch ProcessInfo.processInfo.environment["TABLEORDER_SERVICES"] {
    case "0": return false
    case "1": return true
    default:
        let headers = ["/usr/include/amqp.h", "/usr/include/hiredis/hiredis.h"]
        return headers.allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }
}()
let brokers: [Target.Dependency] = serviceLibraries ? ["TableOrderConnections", "TableOrderRedis", "TableOrderRabbitMQ"] : []
/// The benchmark measures the real services only, so it exists only where their libraries do.
let benchmark: [Target] =
    serviceLibraries
    ? [
        .executableTarget(
            name: "TableOrderBench",
            dependencies: [
                "TableOrderCore", "TableOrderStorage", "TableOrderRabbitMQ", "TableOrderRedis", "TableOrderProcesses", "CRabbitMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Bench",
            swiftSettings: swiftSettings)
    ] : []
/// The real RabbitMQ and Redis adapters, where their C libraries are.
let brokerTargets: [Target] =
    serviceLibraries
    ? [
        // Redis on the event loops: hiredis's reply reader and command formatter as the codec, the
        // connection logic as state machines (commands, subscription, Sentinel), and the adapters behind
        // the cache, limiter and pub/sub ports.
        .target(
            name: "TableOrderRedis",
            dependencies: [
                "TableOrderCore", "TableOrderConnections", "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/Redis",
            swiftSettings: swiftSettings),
        // RabbitMQ on the event loops: librabbitmq's method and property encoders and decoders as the
        // codec, the connection logic as state machines (handshake, confirms, consumer, flow control),
        // and the event bus behind the port.
        .target(
            name: "TableOrderRabbitMQ",
            dependencies: [
                "TableOrderCore", "TableOrderConnections", "CRabbitMQ",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/RabbitMQ",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RedisTests",
            dependencies: [
                "TableOrderCore", "TableOrderConnections", "TableOrderRedis", "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RabbitMQTests",
            dependencies: [
                "TableOrderCore", "TableOrderConnections", "TableOrderRabbitMQ", "CRabbitMQ",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
    ] : []

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tableorder",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tableorder-api", targets: ["TableOrderAPI"]),
        .executable(name: "tableorder-worker", targets: ["TableOrderWorkerDaemon"]),
    ] + (serviceLibraries ? [.executable(name: "tableorder-bench", targets: ["TableOrderBench"])] : []),
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
    ],
    // The design card, as targets (each: what it imports; every one also imports TableOrderCore):
    //   TableOrderAPI (tableorder-api) ── Auth, HTTP, Infrastructure, Worker (development mode runs it
    //     in-process), Storage (development mode's seed; an unreachable database in the error mapping)
    //   TableOrderWorkerDaemon (tableorder-worker) ── Worker, Infrastructure, HTTP, Storage (migrate, seed)
    //   Infrastructure (the composition root) ── Storage, Worker, and Brokers or its in-process parts
    //   Worker (commands → database, cache, events), Auth (tokens), Storage (SQL), Brokers (RabbitMQ,
    //   Redis), HTTP (error shape, operations endpoints) ── Core (domain, wire format, errors, ports)
    targets: [
        // Thin C shims: Swift owns the logic, C stays in these module maps.
        .systemLibrary(
            name: "CRabbitMQ", path: "Sources/CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"]), .brew(["rabbitmq-c"])]),
        .systemLibrary(
            name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"]), .brew(["hiredis"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CConcurrencyHook", path: "Sources/CConcurrencyHook"),
        // The domain, the wire format, errors (without HTTP), configuration, and the ports the adapters
        // implement (event bus, pub/sub, cache, rate limiter, repositories).
        .target(
            name: "TableOrderCore",
            dependencies: [
                "CMalloc", "CConcurrencyHook",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Sources/Core",
            swiftSettings: swiftSettings),
        // What the RabbitMQ and Redis clients share: endpoints and TLS, the reconnect state machine, and the
        // supervisor that runs a protocol's session on a NIO channel, reconnecting with backoff.
        .target(
            name: "TableOrderConnections",
            dependencies: [
                "TableOrderCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Connections",
            swiftSettings: swiftSettings),
        // The SQL behind the repository ports, on PostgreSQL (production) and SQLite (development).
        .target(
            name: "TableOrderStorage",
            dependencies: [
                "TableOrderCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Storage",
            swiftSettings: swiftSettings),
        // Access tokens (JWT RS256) and their revocation, as the API checks them.
        .target(
            name: "TableOrderAuth",
            dependencies: [
                "TableOrderCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Auth",
            swiftSettings: swiftSettings),
        // The worker: consumes commands, applies the order rules in one transaction per batch, invalidates
        // the cache, publishes events. Over the ports only, so it runs on either engine and either bus.
        .target(
            name: "TableOrderWorker",
            dependencies: [
                "TableOrderCore",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Worker",
            swiftSettings: swiftSettings),
        // The composition root: which adapters run behind the ports, by configuration (production:
        // PostgreSQL, Redis, RabbitMQ; development: SQLite and the in-process parts).
        .target(
            name: "TableOrderInfrastructure",
            dependencies: brokers + [
                "TableOrderCore", "TableOrderStorage", "TableOrderWorker",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Infrastructure",
            swiftSettings: swiftSettings),
        // What both processes serve over HTTP: errors in the contract's shape (one mapping) and the
        // operations endpoints (/healthz, /readyz, /metrics).
        .target(
            name: "TableOrderHTTP",
            dependencies: [
                "TableOrderCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/HTTP",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "TableOrderAPI",
            dependencies: [
                "TableOrderCore", "TableOrderStorage", "TableOrderAuth", "TableOrderWorker", "TableOrderInfrastructure",
                "TableOrderHTTP",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/API",
            resources: [.copy("Pages/Public")],
            swiftSettings: swiftSettings),
        // `tableorder-worker`: the daemon (`run`) and the one-off `migrate` and `seed`, around TableOrderWorker.
        .executableTarget(
            name: "TableOrderWorkerDaemon",
            dependencies: [
                "TableOrderCore", "TableOrderStorage", "TableOrderWorker", "TableOrderInfrastructure", "TableOrderHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/WorkerDaemon",
            swiftSettings: swiftSettings),
        // Starting programs, for the integration tests and the benchmark: output to a file, exit awaited.
        .target(
            name: "TableOrderProcesses",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Sources/Processes",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "TableOrderCore", "TableOrderStorage", "TableOrderAuth", "TableOrderWorker", "TableOrderInfrastructure",
                "TableOrderHTTP", "TableOrderAPI", "TableOrderConnections",
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: brokers + [
                "TableOrderCore", "TableOrderStorage", "TableOrderAuth", "TableOrderWorker", "TableOrderProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
    ] + brokerTargets + benchmark
)
