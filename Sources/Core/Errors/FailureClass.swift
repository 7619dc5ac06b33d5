/// What a failed write transaction says about trying it again, as the worker must act on it.
///
/// Each engine sorts its errors into these in one place (`SQLEngine.classify`); an error it does not
/// recognise is `.permanent`, so a failure nobody foresaw dead-letters one command instead of
/// stalling its queue with endless retries.
public enum FailureClass: Sendable, Equatable {
    /// The database could not be reached or is restarting: nothing is wrong with the commands, so
    /// they are retried as they are, for as long as it takes.
    case unavailable
    /// The transaction lost a race with another (serialization failure, deadlock): a few more
    /// attempts usually succeed, but a conflict that keeps coming back is treated as `.permanent`.
    case conflict
    /// The commands cannot apply as they are, or the failure is of a kind nobody classified:
    /// retrying would fail again, so the culprit is dead-lettered.
    case permanent
}
