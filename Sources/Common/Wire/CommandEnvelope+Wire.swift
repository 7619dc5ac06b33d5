/// The bytes a command travels as. New orders — nearly every message — are written by hand: on the
/// API's hot path Foundation's `JSONEncoder` was one of the largest costs left. Every other command,
/// and the reading side, use `Codable`; a unit test checks that both writers give the same message.
extension CommandEnvelope {
    public func wireBytes() throws -> [UInt8] {
        guard case .createOrder(let order) = command else { return try JSON.encode(self) }
        var out = JSONWriter()
        out.raw("{\"command_id\":")
        out.string(id)
        out.raw(",\"issued_at\":")
        out.string(issuedAt)
        if let traceparent {
            out.raw(",\"traceparent\":")
            out.string(traceparent)
        }
        out.raw(",\"type\":\"order.create\",\"body\":{\"order_id\":")
        out.string(order.orderID)
        out.raw(",\"store_id\":")
        out.string(order.storeID)
        out.raw(",\"table_id\":")
        out.string(order.tableID)
        out.raw(",\"lines\":[")
        for (index, line) in order.lines.enumerated() {
            out.raw(index == 0 ? "{\"menu_id\":" : ",{\"menu_id\":")
            out.string(line.menuID)
            out.raw(",\"quantity\":\(line.quantity)}")
        }
        out.raw("]")
        if let note = order.note {
            out.raw(",\"note\":")
            out.string(note)
        }
        out.raw(",\"request_hash\":")
        out.string(order.requestHash)
        out.raw(",\"requested_at\":")
        out.string(order.requestedAt)
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
