import CHiredis
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ByteBuffer {
    /// Appends one command in RESP (an array of bulk strings), formatted by hiredis's
    /// `redisFormatCommandArgv`. Binary-safe: arguments may hold any bytes, including zeros.
    /// - Parameters:
    ///   - arguments: The command's name and arguments.
    public mutating func writeRESPCommand(_ arguments: [[UInt8]]) {
        precondition(!arguments.isEmpty, "a redis command needs a name")
        let total = arguments.reduce(0) { $0 + $1.count }
        // hiredis wants an array of pointers and one of lengths: the arguments are laid end to end in one
        // temporary block (on the stack when small), which is safe to point into for the call's length.
        let formatted: (pointer: UnsafeMutablePointer<CChar>, count: Int) =
            withUnsafeTemporaryAllocation(byteCount: max(total, 1), alignment: 1) { block in
                withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: arguments.count) { argv in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: arguments.count) { lengths in
                        let base = block.baseAddress!
                        var offset = 0
                        for (index, argument) in arguments.enumerated() {
                            argument.withUnsafeBytes { bytes in
                                if let source = bytes.baseAddress { memcpy(base + offset, source, bytes.count) }
                            }
                            argv[index] = UnsafePointer(base.advanced(by: offset).assumingMemoryBound(to: CChar.self))
                            lengths[index] = argument.count
                            offset += argument.count
                        }
                        var target: UnsafeMutablePointer<CChar>?
                        let count = redisFormatCommandArgv(
                            &target, Int32(arguments.count), argv.baseAddress, lengths.baseAddress)
                        guard count >= 0, let target else { fatalError("hiredis: out of memory formatting a command") }
                        return (target, Int(count))
                    }
                }
            }
        defer { redisFreeCommand(formatted.pointer) }
        writeBytes(UnsafeRawBufferPointer(start: formatted.pointer, count: formatted.count))
    }
}
