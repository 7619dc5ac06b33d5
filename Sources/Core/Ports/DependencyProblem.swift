/// A dependency that does not answer: its name for `/readyz` (`postgres`, `redis`, `rabbitmq`; v1.1 §9
/// allows nothing more there), and the detail (an address, a driver's message) for the log only.
public struct DependencyProblem: Sendable, Equatable {
    public var dependency: String
    public var detail: String

    public init(_ dependency: String, _ detail: String) {
        self.dependency = dependency
        self.detail = detail
    }
}
