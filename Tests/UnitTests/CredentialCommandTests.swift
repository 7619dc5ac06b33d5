import Foundation
import Logging
@testable import TableOrderCore
@testable import TableOrderStorage
@testable import TableOrderWorker
import Testing

/// The worker's side of ending tokens, on SQLite (the same SQL as PostgreSQL): a reset or a password
/// change bumps the credential version and appends to the revocation log in the same transaction, a
/// logout appends its token, and the log's numbers follow each other without gaps.
@Suite struct CredentialCommandTests {
    /// A fresh SQLite store seeded with store `s1` (admin `admin`, table 1).
    struct Fixture {
        let store: SQLStore
        let plan: SeedPlan

        func apply(_ command: Command, now: Date = Date()) async throws {
            let envelope = CommandEnvelope(command: command)
            _ = try await store.transaction { tx in
                try await tx.lockStores([envelope.command.storeID])
                return try await CommandHandler().apply([envelope], in: tx, now: now).events
            }
        }

        func admin() async throws -> Credential {
            try #require(try await store.adminCredential(storeID: "s1", username: "admin"))
        }
    }

    /// Runs `body` on a fresh store and closes it after.
    func withStore(_ body: (Fixture) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("revocations-\(UUID()).sqlite").path
        let engine = try await SQLiteEngine.open(path: path, logger: Logger(label: "test"))
        do {
            _ = try await engine.migrate()
            let plan = try SeedPlan(
                storeID: "s1", storeName: "S1", adminUsername: "admin", adminPassword: "old-password", tableCount: 1,
                tablePassword: "table-pass", demoMenu: false)
            let store = SQLStore(engine: engine)
            try await store.seed(plan)
            try await body(Fixture(store: store, plan: plan))
        } catch {
            await engine.close()
            throw error
        }
        await engine.close()
    }

    @Test func aTableResetRevokesTheTablesOlderTokens() async throws {
        try await withStore { fixture in
            let store = fixture.store
            let table = fixture.plan.tables[0]
            #expect(try await store.tableCredential(storeID: "s1", tableNumber: 1)?.credentialVersion == 0)
            let now = Date()
            try await fixture.apply(
                .upsertTable(UpsertTable(tableID: table.id.lowercased, storeID: "s1", tableNumber: 1, passwordHash: "h1")),
                now: now)
            let reset = try #require(try await store.tableCredential(storeID: "s1", tableNumber: 1))
            #expect(reset.credentialVersion == 1 && reset.passwordHash == "h1")
            let log = try await store.revocationsSnapshot(now: now)
            #expect(log.lastSeq == 1)
            #expect(log.revocations.map(\.userID) == [table.id.lowercased])
            #expect(log.revocations.first?.minimumCredentialVersion == 1)
            #expect(log.revocations.first?.tokenID == nil)
            let until = try #require(log.revocations.first?.expiresAt)
            #expect(until >= now + TokenLifetime.table)

            // A new table: version 0, nothing to revoke.
            try await fixture.apply(
                .upsertTable(UpsertTable(tableID: UUID().lowercased, storeID: "s1", tableNumber: 2, passwordHash: "h2")))
            #expect(try await store.tableCredential(storeID: "s1", tableNumber: 2)?.credentialVersion == 0)
            #expect(try await store.revocations(after: 1, limit: 10).isEmpty)
        }
    }

    @Test func aPasswordChangeAppliesOnlyAgainstTheVersionItWasCheckedWith() async throws {
        try await withStore { fixture in
            let adminID = try await fixture.admin().userID
            try await fixture.apply(
                .changeAdminPassword(
                    ChangeAdminPassword(storeID: "s1", adminID: adminID, passwordHash: "new-hash", credentialVersion: 0)))
            #expect(try await fixture.admin().passwordHash == "new-hash")
            #expect(try await fixture.admin().credentialVersion == 1)
            // Checked against the old password (version 0) while the first change was on its way: dropped.
            try await fixture.apply(
                .changeAdminPassword(
                    ChangeAdminPassword(storeID: "s1", adminID: adminID, passwordHash: "late-hash", credentialVersion: 0)))
            #expect(try await fixture.admin().passwordHash == "new-hash")
            let rows = try await fixture.store.revocations(after: 0, limit: 10)
            #expect(rows.map(\.seq) == [1])
            #expect(rows.first?.minimumCredentialVersion == 1 && rows.first?.userID == adminID)
            // An admin the store does not have: never applies (dead-lettered).
            await #expect(throws: CommandRejection.self) {
                try await fixture.apply(
                    .changeAdminPassword(
                        ChangeAdminPassword(storeID: "s1", adminID: UUID().lowercased, passwordHash: "x", credentialVersion: 0)))
            }
        }
    }

    @Test func logoutsAreNumberedWithoutGapsAndPrunedOnceExpired() async throws {
        try await withStore { fixture in
            let store = fixture.store
            let now = Date()
            for (index, expiry) in [now + 60, now - 60, now + 120].enumerated() {
                try await fixture.apply(
                    .revokeToken(
                        RevokeToken(
                            storeID: "s1", userID: UUID().lowercased, tokenID: "t\(index)",
                            expiresAt: Int(expiry.timeIntervalSince1970))))
            }
            #expect(try await store.revocations(after: 0, limit: 10).map(\.seq) == [1, 2, 3])
            #expect(try await store.revocations(after: 1, limit: 1).map(\.tokenID) == ["t1"])
            let snapshot = try await store.revocationsSnapshot(now: now)
            #expect(snapshot.lastSeq == 3)
            #expect(snapshot.revocations.map(\.tokenID) == ["t0", "t2"], "the expired one is not loaded")
            #expect(try await store.prune(olderThan: now - 3600) >= 1)
            #expect(try await store.revocations(after: 0, limit: 10).map(\.tokenID) == ["t0", "t2"])
        }
    }

    @Test func theNewCommandsTravelThroughCodable() throws {
        for command in [
            Command.revokeToken(RevokeToken(storeID: "s", userID: UUID().lowercased, tokenID: "j", expiresAt: 1_900_000_000)),
            .changeAdminPassword(
                ChangeAdminPassword(storeID: "s", adminID: UUID().lowercased, passwordHash: "h", credentialVersion: 3)),
        ] {
            let envelope = CommandEnvelope(command: command)
            #expect(try JSON.decode(CommandEnvelope.self, from: try envelope.wireBytes()) == envelope)
        }
    }
}
