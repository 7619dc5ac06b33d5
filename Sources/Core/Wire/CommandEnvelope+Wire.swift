/// The bytes a command travels as. New orders — nearly every message — are written by hand: on the
/// API's hot path Foundation's `JSONEncoder` was one of the largest costs left. Every other command,
/// and the reading side, use `Codable`; `CommandWireTests` decodes what this writes back into the same
/// command, with `JSONDecoder`.
extension CommandEnvelope {
    public func wireBytes() throws -> [UInt8] {
        guard case .createOrder(let order) = command else { return try JSON.encode(self) }
        var out = JSONWriter()
        out.raw("{")
        out.field("command_id", id, first: true)
        out.field("issued_at", issuedAt)
        if let traceparent { out.field("traceparent", traceparent) }
        out.raw(",\"type\":\"order.create\",\"body\":{")
        out.field("order_id", order.orderID, first: true)
        out.field("store_id", order.storeID)
        out.field("table_id", order.tableID)
        out.raw(",\"lines\":[")
        for (index, line) in order.lines.enumerated() {
            out.raw(index == 0 ? "{" : ",{")
            out.field("menu_id", line.menuID, first: true)
            out.raw(",\"quantity\":\(line.quantity)")
            if !line.options.isEmpty {
                out.raw(",\"options\":[")
                for (position, option) in line.options.enumerated() {
                    if position > 0 { out.raw(",") }
                    out.string(option)
                }
                out.raw("]")
            }
            out.raw("}")
        }
        out.raw("]")
        if let note = order.note { out.field("note", note) }
        out.field("request_hash", order.requestHash)
        out.field("requested_at", order.requestedAt)
        out.raw("}}")
        return out.bytes
    }
}

/// Appends JSON text to a byte buffer; strings are escaped as RFC 8259 requires (quote, backslash and
/// control characters), everything else is copied as UTF-8.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `"name":"value"` of an object, after a comma unless it is the object's first member.
    mutating func field(_ name: String, _ value: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
        string(value)
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
