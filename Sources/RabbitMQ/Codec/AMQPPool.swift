import CRabbitMQ

/// A librabbitmq memory pool: what `amqp_decode_method` and `amqp_decode_properties` allocate their
/// structs from, and where the encoder lends the C structs it hands to `amqp_encode_*` their strings.
///
/// A bump allocator: callers copy what they need into Swift values, then `recycle()` it, so a busy
/// connection reuses the same pages instead of allocating per frame. One per decoder or encoder, on
/// one event loop.
final class AMQPPool {
    let pointer: UnsafeMutablePointer<amqp_pool_t>

    init(pageSize: Int = 4096) {
        pointer = .allocate(capacity: 1)
        init_amqp_pool(pointer, pageSize)
    }

    deinit {
        empty_amqp_pool(pointer)
        pointer.deallocate()
    }

    /// Forgets every allocation, keeping the first page for the next use.
    func recycle() { recycle_amqp_pool(pointer) }

    /// Raw memory for `count` values of `T`, valid until the next `recycle()`.
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = amqp_pool_alloc(pointer, MemoryLayout<T>.stride * max(count, 1)) else {
            fatalError("librabbitmq pool allocation failed")
        }
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// A copy of `bytes` in the pool, as the `amqp_bytes_t` librabbitmq's encoders read.
    func bytes(_ bytes: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return amqp_bytes_t(len: 0, bytes: nil) }
        let copy = allocate(UInt8.self, count: bytes.count)
        copy.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        return amqp_bytes_t(len: bytes.count, bytes: UnsafeMutableRawPointer(copy))
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        var string = string
        return string.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        array.withUnsafeBytes { bytes($0) }
    }

    /// `value` in decimal ASCII, without a Swift `String` in between (a message id per publish).
    func decimal(_ value: UInt64) -> amqp_bytes_t {
        let digits = allocate(UInt8.self, count: 20)  // UInt64.max has 20
        var remaining = value
        var start = 20
        repeat {
            start -= 1
            digits[start] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        } while remaining > 0
        return amqp_bytes_t(len: 20 - start, bytes: UnsafeMutableRawPointer(digits + start))
    }
}

extension amqp_bytes_t {
    /// The bytes as UTF-8 text (lossy), copied out of librabbitmq's memory.
    var string: String {
        guard let bytes, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    var array: [UInt8] {
        guard let bytes, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }
}
