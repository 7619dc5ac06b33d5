import Foundation

/// The reads the API answers from the database (behind the cache). One implementation per store engine;
/// the rules around them (auth, validation, caching) live outside, once.
public protocol ReadRepository: Sendable {
    func storeExists(_ storeID: String) async throws -> Bool
    func menu(storeID: String) async throws -> StoreMenu?
    func adminCredential(storeID: String, username: String) async throws -> Credential?
    func tableCredential(storeID: String, tableNumber: Int) async throws -> Credential?
    func order(id: UUID) async throws -> Order?
    /// The stored fingerprint of the request that created the order, for `Idempotency-Key` reuse checks.
    func orderRequestHash(id: UUID) async throws -> String?
    func currentSessionOrders(tableID: UUID) async throws -> [Order]
    func adminSnapshot(storeID: String, status: OrderStatus?) async throws -> AdminOrdersSnapshot
    /// Events of the store with id > `after`, oldest first, at most `limit`.
    func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent]
    func lastEventID(storeID: String) async throws -> Int64
    /// The oldest event id still retained for the store, if any.
    func oldestEventID(storeID: String) async throws -> Int64?
}

/// One database transaction of the worker, as primitive steps; `CommandHandler` holds the rules.
public protocol WriteTransaction {
    /// Takes the stores' locks in a fixed order, so concurrent batches of several stores cannot deadlock.
    func lockStores(_ storeIDs: [String]) async throws
    func orderExists(_ id: UUID) async throws -> Bool
    /// Menu rows by id (deleted ones included: an order keeps what it was accepted with).
    func menuRows(storeID: String, ids: [UUID]) async throws -> [UUID: (name: String, price: Int)]
    /// The table's number and current session, if the table belongs to the store. Locks the table row.
    func lockTable(storeID: String, tableID: UUID) async throws -> (number: Int, sessionID: UUID?)?
    func openSession(storeID: String, tableID: UUID, id: UUID, at: Date) async throws
    /// Inserts the order and its items; `false` if an order with that id already exists (a duplicate command).
    func insertOrder(_ order: NewOrder) async throws -> Bool
    /// Appends an event to the store's log under the store's lock and returns it with its id.
    func appendEvent(storeID: String, body: EventBody, at: Date) async throws -> StoreEvent
}

/// The database as the worker sees it: transactions of `WriteTransaction` steps.
public protocol WriteDatabase: Sendable {
    func transaction<T: Sendable>(_ body: @Sendable (any WriteTransaction) async throws -> T) async throws -> T
    /// Whether a failure is worth retrying as it is (connection lost, server restarting) or never will apply.
    func isTransient(_ error: any Error) -> Bool
}

/// What the worker inserts for a new order.
public struct NewOrder: Sendable {
    public var id: UUID
    public var storeID: String
    public var tableID: UUID
    public var sessionID: UUID
    public var items: [OrderItem]
    public var totalAmount: Int
    public var note: String?
    public var requestHash: String
    public var createdAt: Date
}
