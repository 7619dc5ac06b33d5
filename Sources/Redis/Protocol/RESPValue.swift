/// A Redis reply (RESP2), copied out of hiredis's reader into Swift values.
public enum RESPValue: Sendable, Equatable {
    /// A bulk string (binary-safe).
    case bulk([UInt8])
    /// A simple string, such as `OK` or `PONG`.
    case status(String)
    case integer(Int64)
    /// A null bulk string or a null array (a missing key, an absent value).
    case null
    case array([RESPValue])
    /// An error reply (`WRONGTYPE …`, `NOSCRIPT …`, `READONLY …`): an answer, returned, not thrown.
    case error(String)

    /// The payload of a bulk string.
    public var bytes: [UInt8]? {
        if case .bulk(let b) = self { return b }
        return nil
    }

    /// A bulk string, a status or an integer, as text.
    public var string: String? {
        switch self {
        case .bulk(let b): String(decoding: b, as: UTF8.self)
        case .status(let s): s
        case .integer(let i): String(i)
        default: nil
        }
    }

    /// An integer, or a bulk string that holds one (what Lua's numbers become in some replies).
    public var int: Int64? {
        switch self {
        case .integer(let i): i
        case .bulk(let b): Int64(String(decoding: b, as: UTF8.self))
        default: nil
        }
    }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// What a reply is, without its contents (which may be a cached order or a password's echo): for
    /// the messages of unexpected replies, which reach logs and `/readyz`.
    public var shape: String {
        switch self {
        case .bulk(let bytes): "a bulk string of \(bytes.count) bytes"
        case .status: "a status"
        case .integer: "an integer"
        case .null: "null"
        case .array(let items): "an array of \(items.count)"
        case .error: "an error"
        }
    }
}
