/// A command that can never apply as it is (its store, table or menu is gone, its body is malformed).
/// The worker dead-letters it instead of retrying.
public struct CommandRejection: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
