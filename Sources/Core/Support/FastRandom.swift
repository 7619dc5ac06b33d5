import Synchronization

/// Random numbers for values that must be unique but need not be secret: trace and span ids, the members
/// of the rate limiter's sorted sets.
///
/// The system generator costs a system call (`getrandom`) per draw, and a request drew four or more; this
/// is xoshiro256** in process memory, seeded once from the system generator. Never for anything a client
/// must not guess (tokens, salts, passwords): those keep `SystemRandomNumberGenerator`.
public struct FastRandom: RandomNumberGenerator {
    private struct Xoshiro256 {
        var s: (UInt64, UInt64, UInt64, UInt64)

        init() {
            var system = SystemRandomNumberGenerator()
            repeat {
                s = (system.next(), system.next(), system.next(), system.next())
            } while s == (0, 0, 0, 0)
        }

        mutating func next() -> UInt64 {
            let result = (s.1 &* 5).rotatedLeft(7) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = s.3.rotatedLeft(45)
            return result
        }
    }

    private static let shared = Mutex(Xoshiro256())

    public init() {}

    public mutating func next() -> UInt64 { Self.shared.withLock { $0.next() } }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
