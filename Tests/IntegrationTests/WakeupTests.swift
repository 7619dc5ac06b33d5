#if canImport(TableOrderBrokers)
import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import TableOrderBrokers

/// The C clients' threads sleep in `poll` and are woken through `Wakeup`; the coalescing kind skips the
/// write while its thread is busy, which must never leave the thread asleep with work queued.
@Suite struct WakeupTests {
    /// A producer hands over items one by one while the consumer keeps going to sleep. A lost wake-up
    /// would leave the consumer in a 30 s poll with items queued: the run would miss its 20 s deadline.
    @Test func aCoalescingWakeupLosesNoWork() async throws {
        let total = 20_000
        let wakeup = Wakeup(coalescing: true)
        let queue = NIOLockedValueBox<[Int]>([])
        let consumed = NIOLockedValueBox(0)
        let consumer = Thread {
            while consumed.withLockedValue({ $0 }) < total {
                let batch = queue.withLockedValue { queue -> [Int] in
                    defer { queue.removeAll() }
                    return queue
                }
                if batch.isEmpty {
                    wakeup.wait(socket: nil, timeoutMs: 30_000, unless: { queue.withLockedValue { !$0.isEmpty } })
                } else {
                    consumed.withLockedValue { $0 += batch.count }
                }
            }
        }
        consumer.start()
        for item in 0..<total {
            queue.withLockedValue { $0.append(item) }
            wakeup.signal()
            if item % 7 == 0 { await Task.yield() }  // let the consumer catch up and fall asleep often
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while consumed.withLockedValue({ $0 }) < total, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(consumed.withLockedValue { $0 } == total)
    }
}
#endif
