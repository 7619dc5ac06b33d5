import CHiredis
import NIOCore

/// Turns the bytes Redis sends into replies, with hiredis's reply reader doing the parsing.
///
/// Every read is handed to the reader whole (it keeps its own buffer), then each complete reply is
/// copied out as a `RESPValue`. A reply still incomplete after `maximumReplyBytes` is refused as a
/// protocol error, so a broken or hostile server cannot make us buffer without bound; the channel
/// handler closes the connection on it.
public struct RESPReplyDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    /// Redis's own limit for one bulk string (`proto-max-bulk-len`) is 512 MB; our replies are small.
    public static let defaultMaximumReplyBytes = 64 * 1024 * 1024

    private let reader: HiredisReader
    private let maximumReplyBytes: Int
    /// Bytes fed to the reader that no complete reply has consumed yet.
    private var unconsumedBytes = 0

    /// - Parameters:
    ///   - maximumReplyBytes: The most one reply may take on the wire before the connection is refused.
    public init(maximumReplyBytes: Int = Self.defaultMaximumReplyBytes) {
        self.reader = HiredisReader()
        self.maximumReplyBytes = maximumReplyBytes
    }

    /// Hands the bytes to the reader and sends up every reply they complete.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if buffer.readableBytes > 0 {
            unconsumedBytes += buffer.readableBytes
            try buffer.readWithUnsafeReadableBytes { bytes in
                try reader.feed(bytes)
                return bytes.count
            }
        }
        // Every reply this read completed goes up now: the reader has taken all the bytes, and the
        // ByteToMessageHandler calls `decode` again only while its own buffer has some.
        while let reply = try reader.nextReply() {
            unconsumedBytes = reader.bufferedBytes
            context.fireChannelRead(Self.wrapInboundOut(reply))
        }
        if unconsumedBytes > maximumReplyBytes {
            throw RESPProtocolError("a reply exceeds \(maximumReplyBytes) bytes")
        }
        return .needMoreData
    }

    /// At the close: the replies the last bytes completed, if any.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A reply cut short by the close is dropped: whoever waited for it fails with the connection.
        try decode(context: context, buffer: &buffer)
    }
}

/// The bytes from Redis are not RESP, or a reply is too large: the connection cannot be trusted further.
public struct RESPProtocolError: Error, CustomStringConvertible {
    /// What was wrong, as hiredis's reader said it.
    public let description: String

    init(_ message: String) { self.description = "redis protocol error: \(message)" }
}

/// Owns one hiredis reader (a parser with its own buffer; no socket, no thread).
final class HiredisReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        guard let reader = redisReaderCreate() else { fatalError("hiredis: out of memory creating a reader") }
        self.reader = reader
    }

    deinit { redisReaderFree(reader) }

    /// Bytes the reader holds that no reply returned so far has used.
    var bufferedBytes: Int { reader.pointee.len - reader.pointee.pos }

    func feed(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK else {
            throw RESPProtocolError(errorString)
        }
    }

    /// The next complete reply, or nil until more bytes arrive.
    func nextReply() throws -> RESPValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else { throw RESPProtocolError(errorString) }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RESPValue(raw.assumingMemoryBound(to: redisReply.self))
    }

    private var errorString: String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
