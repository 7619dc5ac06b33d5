import Testing

/// `TABLEORDER_INTEGRATION=1` (exported by `ops/test.sh`) promises a run with the integration tests. This
/// suite is always enabled: with the flag it fails naming what of their environment is missing, so a
/// broken environment can never pass as a green run that skipped them (each suite's own condition,
/// `TestEnvironment.requires`, fails it as well). Without the flag a missing part only skips.
@Suite struct IntegrationEnvironmentTests {
    @Test func theFlagRequiresTheWholeEnvironment() {
        guard TestEnvironment.integrationRequired else { return }
        let missing = TestEnvironment.missing([.services, .executables, .repositoryRoot])
        #expect(missing.isEmpty, "\(TestEnvironment.MissingEnvironment(missing: missing))")
    }

    /// The rule itself, on made-up environments: skip without the flag, an error naming each gap with it.
    @Test func aMissingPartSkipsWithoutTheFlagAndFailsWithIt() throws {
        let empty = ["TABLEORDER_BIN_DIR": "/nonexistent/bin"]
        #expect(try TestEnvironment.requires([.services], in: empty) == false)
        #expect(try TestEnvironment.requires([.executables, .repositoryRoot], in: empty) == false)

        var flagged = empty
        flagged["TABLEORDER_INTEGRATION"] = "1"
        flagged["REDIS_URL"] = "redis://127.0.0.1:1"
        let error = #expect(throws: TestEnvironment.MissingEnvironment.self) {
            try TestEnvironment.requires([.services, .repositoryRoot], in: flagged)
        }
        #expect(
            error?.missing == [
                "DATABASE_URL", "RABBITMQ_URL", "tableorder-api in /nonexistent/bin",
                "tableorder-worker in /nonexistent/bin", "TABLEORDER_REPO_ROOT",
            ])
        #expect(error?.description.contains("DATABASE_URL, RABBITMQ_URL") == true)
    }
}
