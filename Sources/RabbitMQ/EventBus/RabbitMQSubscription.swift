import NIOCore
import NIOPosix
import TableOrderCore

/// The command queue's consumption behind the `CommandSubscription` port.
struct RabbitMQSubscription: CommandSubscription {
    let consumer: AMQPConsumer

    var commands: AsyncStream<InboundCommand> {
        let source = consumer.deliveries
        return AsyncStream { continuation in
            let task = Task {
                for await d in source {
                    continuation.yield(
                        InboundCommand(
                            body: d.body, redelivered: d.redelivered, headers: d.headers, tag: d.tag,
                            generation: d.generation))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func acknowledge(through command: InboundCommand) {
        consumer.ack(through: command.tag, generation: command.generation)
    }

    func deadLetter(_ command: InboundCommand) {
        consumer.reject(command.tag, generation: command.generation)
    }

    func stop() { consumer.stopDelivering() }

    /// The port's `close()` is synchronous (the thread-based consumer joined its thread): this blocks the
    /// calling thread until the connection is closed — call it off the event loops, as `CommandConsumer`
    /// does from the thread pool. `closeAsync()` is the same without blocking.
    func close() {
        let consumer = self.consumer
        if MultiThreadedEventLoopGroup.currentEventLoop != nil {
            // Cannot block the loop that does the work: start the close and return.
            Task { await consumer.shutdown() }
            return
        }
        let done = consumer.eventLoop.makePromise(of: Void.self)
        done.completeWithTask { await consumer.shutdown() }
        try? done.futureResult.wait()
    }

    func closeAsync() async { await consumer.shutdown() }
}
