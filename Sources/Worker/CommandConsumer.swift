import Logging
import NIOPosix
import ServiceLifecycle
import TableOrderCore

/// Consumes the command queue until graceful shutdown: then stops receiving, finishes and acknowledges
/// the batch in hand, and closes. The worker daemon runs it; development mode runs it inside the API.
public struct CommandConsumer: Service {
    let processor: CommandProcessor
    let prefetch: Int

    public init(processor: CommandProcessor, prefetch: Int) {
        self.processor = processor
        self.prefetch = prefetch
    }

    public func run() async throws {
        let subscription = processor.bus.consumeCommands(prefetch: prefetch)
        processor.logger.info("consuming commands", metadata: ["queue": "\(Topology.commandQueue)"])
        await withGracefulShutdownHandler {
            await processor.run(subscription)
        } onGracefulShutdown: {
            subscription.stop()
        }
        // Blocks until the consumer thread has sent its acks: a thread of its own, never an event loop.
        _ = try? await NIOThreadPool.singleton.runIfActive { subscription.close() }
        processor.logger.info("command consumer drained")
    }
}
