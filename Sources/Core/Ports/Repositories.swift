import Foundation

/// A store's event log as the SSE streams read it: the truth behind every stream.
public protocol EventLogReads: Sendable {
    /// Events of the store with id > `after`, oldest first, at most `limit`.
    func events(storeID: String, after: Int64, limit: Int) async throws -> [StoreEvent]
    func lastEventID(storeID: String) async throws -> Int64
    /// The oldest event id still retained for the store, if any.
    func oldestEventID(storeID: String) async throws -> Int64?
    /// As `events(storeID:after:limit:)` for a table's stream: every event (ids must be seen to be
    /// consecutive), but `data` only of those the table's stream shows (its own and `menu_changed`).
    func events(storeID: String, after: Int64, limit: Int, showing tableID: String) async throws -> [StoreEvent]
    /// The id of the table's newest `table_session_completed`: a table's stream replays nothing older (the
    /// tablet's new diners do not see the last party's orders and calls).
    func lastSessionEnd(storeID: String, tableID: String) async throws -> Int64?
}

extension EventLogReads {
    public func events(storeID: String, after: Int64, limit: Int, showing tableID: String) async throws -> [StoreEvent] {
        try await events(storeID: storeID, after: after, limit: limit)
    }

    public func lastSessionEnd(storeID: String, tableID: String) async throws -> Int64? { nil }
}

/// The revocation log as every API pod follows it (`RevocationList`).
public protocol RevocationReads: Sendable {
    /// The revocations still in force at `now`, and the log's newest `seq`, read from one snapshot.
    func revocationsSnapshot(now: Date) async throws -> (revocations: [Revocation], lastSeq: Int64)
    /// The rows with `seq` > `after`, in `seq` order, at most `limit`.
    func revocations(after: Int64, limit: Int) async throws -> [Revocation]
}

/// The reads the API answers from the database (behind the cache). One implementation per store engine;
/// the rules around them (auth, validation, caching) live outside, once.
public protocol ReadRepository: EventLogReads, RevocationReads {
    func storeExists(_ storeID: String) async throws -> Bool
    func menu(storeID: String) async throws -> StoreMenu?
    /// The menus that hold these option or group ids (those held), by id.
    func optionOwners(ids: [UUID]) async throws -> [UUID: UUID]
    func adminCredential(storeID: String, username: String) async throws -> Credential?
    /// The admin's credential by id (a password change checks the current password with it).
    func adminCredential(storeID: String, userID: UUID) async throws -> Credential?
    func tableCredential(storeID: String, tableNumber: Int) async throws -> Credential?
    func order(id: UUID) async throws -> Order?
    /// The stored fingerprints of the requests that created these orders (those that exist), for
    /// `Idempotency-Key` reuse checks.
    func orderRequestHashes(ids: [UUID]) async throws -> [UUID: String]
    func currentSessionOrders(tableID: UUID) async throws -> [Order]
    func adminSnapshot(storeID: String, status: OrderStatus?) async throws -> AdminOrdersSnapshot
    func tables(storeID: String) async throws -> [TableSummary]
    /// The id of the table's open (not resolved) call of this type, if any.
    func openCallID(tableID: UUID, type: CallType) async throws -> String?
    /// The store's calls in these statuses, oldest first: of one table when `tableID` is given, and resolved
    /// ones only if updated since `resolvedSince`.
    func calls(storeID: String, tableID: UUID?, statuses: Set<CallStatus>, resolvedSince: Date) async throws -> [StaffCall]
    func call(id: UUID) async throws -> StaffCall?
    /// The store's IANA time zone, `nil` if there is no such store.
    func storeTimeZone(storeID: String) async throws -> String?
    /// What the sales report adds up, for orders created in `[start, end)`, by hours of `timeZone`.
    func salesFigures(storeID: String, start: Date, end: Date, timeZone: TimeZone) async throws -> SalesFigures
    /// Ended sessions of the table, newest first, started within `[from, to)` when given.
    func history(storeID: String, tableID: UUID, from: Date?, to: Date?) async throws -> [SessionHistory]?
}

/// One database transaction of the worker, as primitive steps; `CommandHandler` holds the rules.
public protocol WriteTransaction {
    /// Takes the stores' locks in a fixed order, so concurrent batches of several stores cannot deadlock.
    func lockStores(_ storeIDs: [String]) async throws
    /// Records command ids; returns those not applied before (a redelivered one is skipped).
    func claimCommands(_ ids: [UUID], at: Date) async throws -> Set<UUID>

    /// Of these order ids, those already stored (a client's retry finds its order there).
    func existingOrders(_ ids: [UUID]) async throws -> Set<UUID>
    /// Menu rows by id, with their store (deleted ones included, marked).
    func menuRows(ids: [UUID]) async throws -> [UUID: MenuRow]
    /// Sets a counted menu's stock; at 0 the menu is switched off too.
    func setStock(menuID: UUID, stock: Int) async throws
    /// The tables found among `ids`, locked (in id order, so concurrent batches cannot deadlock).
    func lockTables(_ ids: [UUID]) async throws -> [UUID: TableRow]
    /// The table's number and current session, if the table belongs to the store. Locks the table row.
    func lockTable(storeID: String, tableID: UUID) async throws -> (number: Int, sessionID: UUID?)?
    func openSession(storeID: String, tableID: UUID, id: UUID, at: Date) async throws
    /// Inserts the orders and their items in a few statements; returns the ids inserted (an id already
    /// stored is a duplicate command and is skipped).
    func insertOrders(_ orders: [NewOrder]) async throws -> Set<UUID>
    /// The order's status, table and deletion, locked for update; `nil` if not in the store.
    func lockOrder(storeID: String, orderID: UUID) async throws -> (status: OrderStatus, tableID: UUID, deleted: Bool)?
    func setOrderStatus(orderID: UUID, status: OrderStatus, at: Date) async throws
    /// The order's lines as stored, in line order.
    func orderLines(orderID: UUID) async throws -> [StoredLine]
    /// Adds `quantity` to the line's cancelled portions (lowering its subtotal) and sets the order's total.
    func cancelPortions(orderID: UUID, line: Int, quantity: Int, orderTotal: Int, at: Date) async throws
    /// Gives portions back to a counted stock (a menu not counted is left alone).
    func returnStock(menuID: UUID, quantity: Int) async throws
    func markOrderDeleted(orderID: UUID, at: Date) async throws
    /// What the session's live orders add up to (deleted and cancelled orders count nothing).
    func sessionTotal(sessionID: UUID) async throws -> Int
    func endSession(tableID: UUID, sessionID: UUID, at: Date) async throws

    func categoryExists(storeID: String, categoryID: UUID) async throws -> Bool
    func insertCategory(_ command: CreateCategory, id: UUID) async throws -> Bool
    func insertMenu(_ command: CreateMenu, id: UUID, categoryID: UUID) async throws -> Bool
    /// Applies the present fields to a live menu; `false` if there is none.
    func updateMenu(_ command: UpdateMenu, id: UUID, categoryID: UUID?) async throws -> Bool
    /// Soft-deletes a live menu; `false` if there is none.
    func deleteMenu(storeID: String, id: UUID, at: Date) async throws -> Bool
    /// Makes `ids` the option and group ids of the menu; `false` (nothing changed) if another menu holds one.
    func claimOptionIDs(storeID: String, menuID: UUID, ids: [UUID]) async throws -> Bool
    /// The sold-out switch and the restock of a live menu; `false` if there is none.
    func setAvailability(_ command: SetMenuAvailability, id: UUID) async throws -> Bool
    /// Applies the present fields to a live category; `false` if there is none.
    func updateCategory(_ command: UpdateCategory, id: UUID) async throws -> Bool
    /// Whether a live menu is in the category.
    func categoryHasMenus(_ id: UUID) async throws -> Bool
    /// Soft-deletes a live category; `false` if there is none.
    func deleteCategory(storeID: String, id: UUID, at: Date) async throws -> Bool
    /// Renames the store or sets its time zone (the fields present).
    func updateStore(_ command: UpdateStore) async throws
    /// Stores the call unless the table has an open call of its type (or the id is stored); returns it if
    /// it was stored now.
    func insertCall(_ command: CreateCall, id: UUID, tableID: UUID, at: Date) async throws -> StaffCall?
    /// The call's status and table, locked for update; `nil` if not in the store.
    func lockCall(storeID: String, id: UUID) async throws -> (status: CallStatus, tableID: UUID)?
    func setCallStatus(id: UUID, status: CallStatus, at: Date) async throws
    /// Resolves the table's calls that are not; returns their ids and the statuses they left.
    func resolveCalls(tableID: UUID, at: Date) async throws -> [(id: UUID, from: CallStatus)]
    /// Creates the table or replaces its password, leaving its credential version as it is (`seed`).
    func upsertTable(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws

    /// Creates the table (credential version 0), or replaces its password and bumps its credential
    /// version. Returns the table's id and its version now.
    func setTablePassword(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws
        -> (tableID: UUID, credentialVersion: Int)
    /// The admin's credential version, the admin locked for update; `nil` if not in the store.
    func lockAdmin(storeID: String, adminID: UUID) async throws -> Int?
    /// Replaces the admin's password and bumps its credential version; returns the new version.
    func setAdminPassword(adminID: UUID, passwordHash: String) async throws -> Int
    /// Appends a row to the revocation log; its `seq` is gap-free in commit order (taken under a lock held
    /// until commit). Returns it.
    func appendRevocation(userID: UUID, tokenID: String?, minimumCredentialVersion: Int?, expiresAt: Date)
        async throws -> Int64

    /// Appends events to the store's log, in this order, under the store's lock; returns them with their ids.
    func appendEvents(storeID: String, bodies: [EventBody], at: Date) async throws -> [StoreEvent]
}

/// The database as the worker sees it: transactions of `WriteTransaction` steps.
public protocol WriteDatabase: Sendable {
    func transaction<T: Sendable>(_ body: @Sendable (any WriteTransaction) async throws -> T) async throws -> T
    /// What a failed `transaction` says about trying it again (`FailureClass`); the worker retries by it.
    func classify(_ error: any Error) -> FailureClass
    /// Deletes events and applied-command ids older than `cutoff`, and revocations that have expired;
    /// returns how many rows went.
    func prune(olderThan cutoff: Date) async throws -> Int
}

/// Stores written before credentials could change (test doubles) refuse the commands that need these
/// steps: such a command is dead-lettered, never half-applied. `SQLWriteTransaction` has them all.
extension WriteTransaction {
    public func setTablePassword(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws
        -> (tableID: UUID, credentialVersion: Int)
    {
        throw CommandRejection("this store cannot set passwords")
    }
    public func lockAdmin(storeID: String, adminID: UUID) async throws -> Int? {
        throw CommandRejection("this store cannot set passwords")
    }
    public func setAdminPassword(adminID: UUID, passwordHash: String) async throws -> Int {
        throw CommandRejection("this store cannot set passwords")
    }
    public func appendRevocation(userID: UUID, tokenID: String?, minimumCredentialVersion: Int?, expiresAt: Date)
        async throws -> Int64
    {
        throw CommandRejection("this store keeps no revocation log")
    }
}

/// A menu as an order line needs it: its store, whether it was deleted, and the menu as listed (price,
/// availability, stock, options).
public struct MenuRow: Sendable {
    public var storeID: String
    public var deleted: Bool
    public var menu: MenuItem

    public init(storeID: String, deleted: Bool, menu: MenuItem) {
        self.storeID = storeID
        self.deleted = deleted
        self.menu = menu
    }
}

/// An order's line as a partial cancel needs it.
public struct StoredLine: Sendable, Equatable {
    public var line: Int
    public var menuID: UUID
    public var unitPrice: Int
    public var quantity: Int
    public var cancelledQuantity: Int

    public init(line: Int, menuID: UUID, unitPrice: Int, quantity: Int, cancelledQuantity: Int) {
        self.line = line
        self.menuID = menuID
        self.unitPrice = unitPrice
        self.quantity = quantity
        self.cancelledQuantity = cancelledQuantity
    }
}

/// A table and its open session, if any.
public struct TableRow: Sendable {
    public var storeID: String
    public var number: Int
    public var sessionID: UUID?

    public init(storeID: String, number: Int, sessionID: UUID?) {
        self.storeID = storeID
        self.number = number
        self.sessionID = sessionID
    }
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
    /// `pending`, or `rejected` with its reason.
    public var status: OrderStatus
    public var rejectReason: RejectReason?

    public init(
        id: UUID, storeID: String, tableID: UUID, sessionID: UUID, items: [OrderItem], totalAmount: Int,
        note: String?, requestHash: String, createdAt: Date, status: OrderStatus = .pending,
        rejectReason: RejectReason? = nil
    ) {
        self.id = id
        self.storeID = storeID
        self.tableID = tableID
        self.sessionID = sessionID
        self.items = items
        self.totalAmount = totalAmount
        self.note = note
        self.requestHash = requestHash
        self.createdAt = createdAt
        self.status = status
        self.rejectReason = rejectReason
    }
}
