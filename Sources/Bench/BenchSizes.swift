/// How big each part of the run is. `full` is what the README's figures come from; `tiny` only proves
/// the benchmark still works end to end (the test suite runs it), its figures mean nothing.
struct BenchSizes: Codable {
    var name: String
    var wrkConnections: Int
    var wrkSeconds: Int
    var backlog: Int
    var endToEndRate: Int
    var endToEndSeconds: Int
    var streams: Int
    var broadcasts: Int
    var publisherMessages: Int
    var postgresSingleOrders: Int
    var postgresBatchedOrders: Int
    var redisRequests: Int
    var tables: Int
    /// The pause after the drains, so their background work (PostgreSQL's autovacuum of the new rows,
    /// RabbitMQ's segment clean-up) does not land in the latency measurements that follow.
    var settleSeconds: Int
    /// (e) The sales report: a year of this many orders, asked this many times.
    var salesOrders: Int
    var salesRequests: Int

    static let full = BenchSizes(
        name: "full", wrkConnections: 64, wrkSeconds: 20, backlog: 50_000, endToEndRate: 500, endToEndSeconds: 20,
        streams: 5_000, broadcasts: 5, publisherMessages: 100_000, postgresSingleOrders: 3_000,
        postgresBatchedOrders: 30_000, redisRequests: 200_000, tables: 16, settleSeconds: 10,
        salesOrders: 100_000, salesRequests: 30)

    static let tiny = BenchSizes(
        name: "tiny", wrkConnections: 4, wrkSeconds: 1, backlog: 200, endToEndRate: 20, endToEndSeconds: 1, streams: 20,
        broadcasts: 2, publisherMessages: 2_000, postgresSingleOrders: 50, postgresBatchedOrders: 200,
        redisRequests: 2_000, tables: 4, settleSeconds: 0, salesOrders: 500, salesRequests: 3)
}
