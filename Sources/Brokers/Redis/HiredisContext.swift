import CHiredis
import TableOrderCore
#if canImport(Glibc)
import Glibc
#endif

/// One hiredis connection. Belongs to the thread that made it, as hiredis requires.
final class HiredisContext {
    let context: UnsafeMutablePointer<redisContext>

    init(url: RedisURL, timeoutSeconds: Int = 2) throws {
        let tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), tv) else {
            throw RedisError("cannot allocate a redis context")
        }
        self.context = context  // from here on, a throw runs `deinit`, which frees the context once
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            throw RedisError("cannot connect to \(url.host):\(url.port): \(message)")
        }
        _ = redisSetTimeout(context, tv)
        _ = redisEnableKeepAlive(context)
        if let password = url.password {
            try expectOK(command(["AUTH", password]))
        }
        if url.database != 0 {
            try expectOK(command(["SELECT", String(url.database)]))
        }
    }

    deinit { redisFree(context) }

    var fd: Int32 { context.pointee.fd }
    var errorDescription: String { Self.errorString(context) }

    private static func errorString(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private func expectOK(_ value: RESPValue) throws {
        if case .error(let message) = value { throw RedisError(message) }
    }

    /// Queues one command in hiredis's output buffer (pipelining: replies are read later, in order).
    func append(_ arguments: [[UInt8]]) throws {
        var flat: [UInt8] = []
        flat.reserveCapacity(arguments.reduce(0) { $0 + $1.count + 1 })
        var offsets: [Int] = []
        for argument in arguments {
            offsets.append(flat.count)
            flat.append(contentsOf: argument)
            flat.append(0)
        }
        let lengths = arguments.map(\.count)
        let rc = flat.withUnsafeBufferPointer { buffer -> Int32 in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    redisAppendCommandArgv(
                        context, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
                }
            }
        }
        guard rc == REDIS_OK else { throw RedisError(errorDescription) }
    }

    /// Reads the next reply, writing pending commands first. Blocks up to the socket timeout.
    func readReply() throws -> RESPValue {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw RedisError(errorDescription) }
        defer { freeReplyObject(raw) }
        return RESPValue(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// A reply already parsed from bytes read earlier, if any; never touches the socket.
    func bufferedReply() throws -> RESPValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw RedisError(errorDescription) }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RESPValue(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Reads what the socket has now into hiredis's reader (after `poll()` said it is readable).
    func readSocket() throws {
        guard redisBufferRead(context) == REDIS_OK else { throw RedisError(errorDescription) }
    }

    /// Flushes the output buffer.
    func flush() throws {
        var done: Int32 = 0
        while done == 0 {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw RedisError(errorDescription) }
        }
    }

    func command(_ arguments: [String]) throws -> RESPValue {
        try append(arguments.map { Array($0.utf8) })
        return try readReply()
    }
}
