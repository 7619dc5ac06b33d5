import CRabbitMQ

/// An AMQP field table (queue arguments, client properties, message headers), in the order written.
public struct AMQPTable: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: AMQPFieldValue

        public init(key: String, value: AMQPFieldValue) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) { self.entries = entries }

    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        entries = elements.map { Entry(key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> AMQPFieldValue? { entries.first { $0.key == key }?.value }

    public var isEmpty: Bool { entries.isEmpty }
}

/// One value of a field table: the kinds this client writes and reads. Other kinds a peer sends
/// (floats, decimals, timestamps, arrays) are skipped when decoding.
public enum AMQPFieldValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case table(AMQPTable)

    public static func int(_ value: Int) -> AMQPFieldValue { .int(Int64(value)) }
}

// MARK: - To and from librabbitmq's structs

extension AMQPTable {
    /// A C view of the table, in `pool` (valid until it is recycled), for `amqp_encode_*`.
    func cTable(in pool: AMQPPool) -> amqp_table_t {
        guard !entries.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let cEntries = pool.allocate(amqp_table_entry_t.self, count: entries.count)
        for (index, entry) in entries.enumerated() {
            (cEntries + index).initialize(
                to: amqp_table_entry_t(key: pool.bytes(entry.key), value: entry.value.cValue(in: pool)))
        }
        return amqp_table_t(num_entries: Int32(entries.count), entries: cEntries)
    }

    /// Copies a decoded table out of librabbitmq's memory.
    init(_ table: amqp_table_t) {
        var entries: [Entry] = []
        if let cEntries = table.entries, table.num_entries > 0 {
            entries.reserveCapacity(Int(table.num_entries))
            for index in 0..<Int(table.num_entries) {
                if let value = AMQPFieldValue(cEntries[index].value) {
                    entries.append(Entry(key: cEntries[index].key.string, value: value))
                }
            }
        }
        self.init(entries)
    }

    /// Bytes this table takes on the wire, or more (for reserving buffer space before encoding).
    var encodedSizeBound: Int {
        4 + entries.reduce(0) { $0 + 1 + $1.key.utf8.count + 1 + $1.value.encodedSizeBound }
    }
}

extension AMQPFieldValue {
    func cValue(in pool: AMQPPool) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch self {
        case .string(let text):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = pool.bytes(text)
        case .int(let number):
            field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            field.value.i64 = number
        case .bool(let flag):
            field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            field.value.boolean = flag ? 1 : 0
        case .table(let table):
            field.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            field.value.table = table.cTable(in: pool)
        }
        return field
    }

    init?(_ field: amqp_field_value_t) {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue, AMQP_FIELD_KIND_BYTES.rawValue: self = .string(field.value.bytes.string)
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: self = .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: self = .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: self = .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: self = .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: self = .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: self = .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: self = .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: self = .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: self = .int(Int64(clamping: field.value.u64))
        case AMQP_FIELD_KIND_TABLE.rawValue: self = .table(AMQPTable(field.value.table))
        default: return nil
        }
    }

    var encodedSizeBound: Int {
        switch self {
        case .string(let text): 4 + text.utf8.count
        case .int: 8
        case .bool: 1
        case .table(let table): table.encodedSizeBound
        }
    }
}

/// The string-valued entries of a decoded table (message headers), copied out of librabbitmq's memory.
func stringHeaders(_ table: amqp_table_t) -> [String: String] {
    guard let entries = table.entries, table.num_entries > 0 else { return [:] }
    var headers: [String: String] = [:]
    headers.reserveCapacity(Int(table.num_entries))
    for index in 0..<Int(table.num_entries) {
        let kind = UInt32(entries[index].value.kind)
        if kind == AMQP_FIELD_KIND_UTF8.rawValue || kind == AMQP_FIELD_KIND_BYTES.rawValue {
            headers[entries[index].key.string] = entries[index].value.value.bytes.string
        }
    }
    return headers
}
