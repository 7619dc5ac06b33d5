import Foundation
import Logging
import NIOConcurrencyHelpers
@testable import TableOrderCore
@testable import TableOrderInfrastructure
@testable import TableOrderStorage
@testable import TableOrderWorker
import Testing

/// The worker's retries, against a scripted database: an unavailable database is waited for, a lost race
/// is tried a few times, and anything else — above all an error nobody classified — dead-letters its
/// command while the rest of the batch applies. Every `process` runs under a deadline, so a retry without
/// end fails the test instead of hanging it.
@Suite(.timeLimit(.minutes(1))) struct CommandProcessorRetryTests {
    /// An error of a type no classifier has ever seen.
    private struct NeverSeenError: Error {}

    @Test func anUnavailableDatabaseIsWaitedForThenTheBatchAppliesAndIsAcked() async throws {
        let database = try ScriptedDatabase { attempt, _ in
            attempt <= 8 ? DatabaseUnavailable("postgres: no connection within 3 s") : nil
        }
        let ids = [UUID(), UUID(), UUID()]
        let subscription = RecordingSubscription()

        #expect(await Self.processWithinDeadline(ids, database, subscription))

        // More attempts than a conflict gets: an outage is waited out, however long it lasts.
        #expect(database.attempts.count == 9)
        #expect(database.committed == ids)
        #expect(subscription.acked == [3])
        #expect(subscription.deadLettered.isEmpty)
    }

    @Test func aConflictThatPersistsIsTriedABoundedNumberOfTimesThenItsCommandIsDeadLettered() async throws {
        let culprit = UUID()
        let database = try ScriptedDatabase { _, id in id == culprit ? LostRace() : nil }
        let ids = [UUID(), culprit, UUID()]
        let subscription = RecordingSubscription()
        let log = LogLines()

        #expect(await Self.processWithinDeadline(ids, database, subscription, log: log))

        let policy = Self.quickRetries
        #expect(database.attempts.filter { $0 == [culprit] }.count == policy.conflictAttempts)
        #expect(database.committed == [ids[0], ids[2]])
        #expect(subscription.deadLettered == [2])
        #expect(subscription.acked == [3])
        let reason = try #require(log.deadLetterReasons[culprit])
        #expect(reason.contains("still conflicting after \(policy.conflictAttempts) attempts"))
    }

    @Test func aConflictThatClearsIsRetriedAndApplies() async throws {
        let database = try ScriptedDatabase { attempt, _ in attempt <= 2 ? LostRace() : nil }
        let ids = [UUID(), UUID()]
        let subscription = RecordingSubscription()

        #expect(await Self.processWithinDeadline(ids, database, subscription))

        #expect(database.attempts.count == 3)
        #expect(database.committed == ids)
        #expect(subscription.acked == [2])
        #expect(subscription.deadLettered.isEmpty)
    }

    /// Before `FailureClass`, an unclassified error counted as "database unavailable": this batch was
    /// retried without end and nothing was ever settled.
    @Test func anErrorOfATypeNeverSeenDeadLettersItsCommandAndTheOthersApply() async throws {
        let poison = UUID()
        let database = try ScriptedDatabase { _, id in id == poison ? NeverSeenError() : nil }
        let ids = [UUID(), poison, UUID()]
        let subscription = RecordingSubscription()
        let log = LogLines()

        #expect(await Self.processWithinDeadline(ids, database, subscription, log: log))

        #expect(database.committed == [ids[0], ids[2]])
        let poisonAttempts = database.attempts.filter { $0.contains(poison) }
        #expect(poisonAttempts.count == 2, "the batch once, then the poison alone once")
        #expect(subscription.deadLettered == [2])
        #expect(subscription.acked == [3])
        let reason = try #require(log.deadLetterReasons[poison])
        #expect(reason.contains("NeverSeenError"))
    }

    @Test func aSingleCommandThatCannotApplyIsDeadLetteredAtOnce() async throws {
        let poison = UUID()
        let database = try ScriptedDatabase { _, _ in NeverSeenError() }
        let subscription = RecordingSubscription()

        #expect(await Self.processWithinDeadline([poison], database, subscription))

        #expect(database.attempts == [[poison]])
        #expect(subscription.deadLettered == [1])
        #expect(subscription.acked == [1])
    }

    @Test func cancellationDuringAnOutageAcknowledgesNothing() async throws {
        let database = try ScriptedDatabase { _, _ in DatabaseUnavailable("postgres: no connection within 3 s") }
        let subscription = RecordingSubscription()
        let processor = Self.processor(database, log: LogLines())
        let batch = try Self.batch([UUID(), UUID()])

        let processing = Task { await processor.process(batch, subscription) }
        for await attempt in database.attemptsStarted where attempt >= 3 { break }
        processing.cancel()
        let stopped = try? await withTimeout(.seconds(30)) {
            await processing.value
            return true
        }

        #expect(stopped == true, "process() did not stop once cancelled")
        #expect(subscription.acked.isEmpty)
        #expect(subscription.deadLettered.isEmpty)
        #expect(database.committed.isEmpty)
    }

    // MARK: - Helpers

    /// Waits of a millisecond, so the retries take no time; the attempt counts are the production ones.
    static let quickRetries = CommandProcessor.RetryPolicy(
        unavailable: Backoff(initial: .milliseconds(1), maximum: .milliseconds(1)),
        conflict: Backoff(initial: .milliseconds(1), maximum: .milliseconds(1)))

    static func processor(_ database: ScriptedDatabase, log: LogLines) -> CommandProcessor {
        CommandProcessor(
            database: database, cache: nil, channel: InProcessEventChannel(), bus: InMemoryEventBus(),
            logger: log.logger, retry: quickRetries)
    }

    /// New-category commands with these ids, tagged 1, 2, … in order.
    static func batch(_ ids: [UUID]) throws -> [InboundCommand] {
        try ids.enumerated().map { index, id in
            let category = CreateCategory(
                categoryID: UUID().lowercased, storeID: "store-1", name: "Drinks", sortOrder: 1)
            let envelope = CommandEnvelope(id: id.lowercased, command: .createCategory(category))
            return InboundCommand(body: try envelope.wireBytes(), tag: UInt64(index + 1))
        }
    }

    /// Processes the batch; `false` if it did not finish within 30 s (it is then cancelled): generous, since
    /// the suites share two cores with the integration tests; an endless retry still fails it.
    static func processWithinDeadline(
        _ ids: [UUID], _ database: ScriptedDatabase, _ subscription: RecordingSubscription, log: LogLines = LogLines()
    ) async -> Bool {
        let processor = processor(database, log: log)
        guard let batch = try? batch(ids) else { return false }
        let finished = try? await withTimeout(.seconds(30)) {
            await processor.process(batch, subscription)
            return true
        }
        return finished == true
    }
}

/// Stands in for a serialization failure: PostgreSQL's `PSQLError` cannot be built outside PostgresNIO.
struct LostRace: Error {}

/// A `WriteDatabase` whose transactions fail as a script says. The script sees the transaction's number
/// (from 1) and each command id as the transaction claims it; an error it returns is thrown there.
/// Errors are classified by the production engine, PostgreSQL (never run: classifying needs no server),
/// except `LostRace`, which is a conflict.
final class ScriptedDatabase: WriteDatabase {
    typealias Script = @Sendable (_ attempt: Int, _ commandID: UUID) -> (any Error)?

    private struct State {
        var attempts: [[UUID]] = []
        var committed: [UUID] = []
    }

    private let script: Script
    private let production: SQLStore
    private let state = NIOLockedValueBox(State())
    /// Each transaction's number as it begins.
    let attemptsStarted: AsyncStream<Int>
    private let attemptStarted: AsyncStream<Int>.Continuation

    init(_ script: @escaping Script) throws {
        self.script = script
        let url = try PostgresURL(parsing: "postgres://tableorder@127.0.0.1:1/never")
        production = SQLStore(engine: PostgresEngine(url: url, logger: Logger(label: "unused")))
        (attemptsStarted, attemptStarted) = AsyncStream.makeStream(of: Int.self)
    }

    /// The command ids each transaction claimed, the failing one included.
    var attempts: [[UUID]] { state.withLockedValue { $0.attempts } }
    /// The command ids of committed transactions, in order.
    var committed: [UUID] { state.withLockedValue { $0.committed } }

    func transaction<T: Sendable>(_ body: @Sendable (any WriteTransaction) async throws -> T) async throws -> T {
        let attempt = state.withLockedValue { state in
            state.attempts.append([])
            return state.attempts.count
        }
        attemptStarted.yield(attempt)
        let result = try await body(ScriptedTransaction(attempt: attempt, database: self))
        state.withLockedValue { $0.committed += $0.attempts[attempt - 1] }
        return result
    }

    func claim(_ id: UUID, attempt: Int) throws {
        state.withLockedValue { $0.attempts[attempt - 1].append(id) }
        if let error = script(attempt, id) { throw error }
    }

    func classify(_ error: any Error) -> FailureClass {
        error is LostRace ? .conflict : production.classify(error)
    }

    func prune(olderThan cutoff: Date) async throws -> Int { 0 }
}

/// The steps a new category takes; any other step is not expected of these tests.
struct ScriptedTransaction: WriteTransaction {
    struct NotScripted: Error {}

    let attempt: Int
    let database: ScriptedDatabase

    func lockStores(_ storeIDs: [String]) async throws {}
    func claimCommands(_ ids: [UUID], at: Date) async throws -> Set<UUID> {
        for id in ids { try database.claim(id, attempt: attempt) }
        return Set(ids)
    }
    func insertCategory(_ command: CreateCategory, id: UUID) async throws -> Bool { true }
    func appendEvents(storeID: String, bodies: [EventBody], at: Date) async throws -> [StoreEvent] { [] }

    func existingOrders(_ ids: [UUID]) async throws -> Set<UUID> { throw NotScripted() }
    func menuRows(ids: [UUID]) async throws -> [UUID: MenuRow] { throw NotScripted() }
    func lockTables(_ ids: [UUID]) async throws -> [UUID: TableRow] { throw NotScripted() }
    func lockTable(storeID: String, tableID: UUID) async throws -> (number: Int, sessionID: UUID?)? {
        throw NotScripted()
    }
    func openSession(storeID: String, tableID: UUID, id: UUID, at: Date) async throws { throw NotScripted() }
    func insertOrders(_ orders: [NewOrder]) async throws -> Set<UUID> { throw NotScripted() }
    func lockOrder(storeID: String, orderID: UUID) async throws
        -> (status: OrderStatus, tableID: UUID, deleted: Bool)?
    { throw NotScripted() }
    func setOrderStatus(orderID: UUID, status: OrderStatus, at: Date) async throws { throw NotScripted() }
    func markOrderDeleted(orderID: UUID, at: Date) async throws { throw NotScripted() }
    func sessionTotal(sessionID: UUID) async throws -> Int { throw NotScripted() }
    func endSession(tableID: UUID, sessionID: UUID, at: Date) async throws { throw NotScripted() }
    func categoryExists(storeID: String, categoryID: UUID) async throws -> Bool { throw NotScripted() }
    func insertMenu(_ command: CreateMenu, id: UUID, categoryID: UUID) async throws -> Bool { throw NotScripted() }
    func updateMenu(_ command: UpdateMenu, id: UUID, categoryID: UUID?) async throws -> Bool { throw NotScripted() }
    func deleteMenu(storeID: String, id: UUID, at: Date) async throws -> Bool { throw NotScripted() }
    func upsertTable(storeID: String, tableID: UUID, number: Int, passwordHash: String) async throws {
        throw NotScripted()
    }
    func setStock(menuID: UUID, stock: Int) async throws { throw NotScripted() }
    func orderLines(orderID: UUID) async throws -> [StoredLine] { throw NotScripted() }
    func cancelPortions(orderID: UUID, line: Int, quantity: Int, orderTotal: Int, at: Date) async throws {
        throw NotScripted()
    }
    func returnStock(menuID: UUID, quantity: Int) async throws { throw NotScripted() }
    func claimOptionIDs(storeID: String, menuID: UUID, ids: [UUID]) async throws -> Bool { throw NotScripted() }
    func setAvailability(_ command: SetMenuAvailability, id: UUID) async throws -> Bool { throw NotScripted() }
    func updateCategory(_ command: UpdateCategory, id: UUID) async throws -> Bool { throw NotScripted() }
    func categoryHasMenus(_ id: UUID) async throws -> Bool { throw NotScripted() }
    func deleteCategory(storeID: String, id: UUID, at: Date) async throws -> Bool { throw NotScripted() }
    func insertCall(_ command: CreateCall, id: UUID, tableID: UUID, at: Date) async throws -> StaffCall? {
        throw NotScripted()
    }
    func lockCall(storeID: String, id: UUID) async throws -> (status: CallStatus, tableID: UUID)? { throw NotScripted() }
    func setCallStatus(id: UUID, status: CallStatus, at: Date) async throws { throw NotScripted() }
    func resolveCalls(tableID: UUID, at: Date) async throws -> [(id: UUID, from: CallStatus)] { throw NotScripted() }
    func updateStore(_ command: UpdateStore) async throws { throw NotScripted() }
}

/// Records the tags the processor settles.
final class RecordingSubscription: CommandSubscription {
    private let settled = NIOLockedValueBox<(acked: [UInt64], deadLettered: [UInt64])>(([], []))

    let commands = AsyncStream<InboundCommand> { $0.finish() }
    var acked: [UInt64] { settled.withLockedValue { $0.acked } }
    var deadLettered: [UInt64] { settled.withLockedValue { $0.deadLettered } }

    func acknowledge(through command: InboundCommand) { settled.withLockedValue { $0.acked.append(command.tag) } }
    func deadLetter(_ command: InboundCommand) { settled.withLockedValue { $0.deadLettered.append(command.tag) } }
    func stop() {}
    func close() {}
}

/// The processor's log lines, to read why a command was dead-lettered.
final class LogLines: Sendable {
    private let lines = NIOLockedValueBox<[[UInt8]]>([])

    var logger: Logger {
        Logger(label: "tableorder-worker") { [lines] label in
            JSONLogHandler(label: label) { line in lines.withLockedValue { $0.append(line) } }
        }
    }

    /// The `reason` of each "command dead-lettered" line, by command id.
    var deadLetterReasons: [UUID: String] {
        var reasons: [UUID: String] = [:]
        for line in lines.withLockedValue({ $0 }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                object["msg"] as? String == "command dead-lettered",
                let id = (object["command_id"] as? String).flatMap(UUID.init(uuidString:)),
                let reason = object["reason"] as? String
            else { continue }
            reasons[id] = reason
        }
        return reasons
    }
}
