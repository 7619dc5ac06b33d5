import NIOCore
import TableOrderCore

/// Reads a store's event log as SSE frames: the truth behind every stream (pub/sub only says "look").
///
/// Both the opening replay and a live stream's gap fills read through here, so "never skip an id" is
/// written once: a page stops at the first gap, because an id missing from the log is not committed yet.
/// A table's stream (v1.1 §7) reads the same log and sends only what `shows` lets through: its ids still
/// advance over the rest, so they increase strictly while skipping other tables' events.
struct EventLogReader: Sendable {
    let storeID: String
    let reads: any EventLogReads
    /// The table whose stream this is; `nil` for the admin's, which shows every event of the store.
    var tableID: String? = nil

    /// The kinds of event a table's stream carries: its own orders and calls, and the store's menu.
    static let tableEventTypes: Set<String> = [
        "order_created", "order_status_changed", "order_rejected", "order_deleted", "order_items_cancelled",
        "call_created", "call_updated", "table_session_completed",
    ]

    /// Whether this stream sends the event.
    func shows(_ event: StoreEvent) -> Bool {
        guard let tableID else { return true }
        if event.type == "menu_changed" { return true }
        return event.tableID == tableID && Self.tableEventTypes.contains(event.type)
    }

    static let pageSize = 500
    /// A page also ends once its frames reach this many bytes: what one stream holds while its client
    /// reads a page is bounded in bytes, not only in events (an order event can be tens of KiB).
    static let pageBytes = 256 * 1024

    /// One page after `after`: the frames of the consecutive events found (nil if none), the last id they
    /// reach, and whether the log may hold more after it.
    func page(after: Int64) async throws -> (frames: ByteBuffer?, last: Int64, more: Bool) {
        let events =
            if let tableID {
                try await reads.events(storeID: storeID, after: after, limit: Self.pageSize, showing: tableID)
            } else {
                try await reads.events(storeID: storeID, after: after, limit: Self.pageSize)
            }
        var last = after
        var text = ""
        for event in events {
            guard event.id == last + 1 else { return (Self.buffer(text), last, false) }
            if shows(event) { text += event.sseFrame }
            last = event.id
            if text.utf8.count >= Self.pageBytes { return (Self.buffer(text), last, true) }
        }
        return (Self.buffer(text), last, events.count == Self.pageSize)
    }

    /// Where a new stream starts: live from the newest event; after a `replay_truncated` frame when the
    /// client's `Last-Event-ID` is older than the retained log (or was never this store's: it must reload
    /// its snapshot); or replaying the events after the client's id.
    enum Start {
        case live(lastSent: Int64)
        case truncated(frame: ByteBuffer, lastSent: Int64)
        case replay(after: Int64)
    }

    func start(lastEventID: Int64?) async throws -> Start {
        let newest = try await reads.lastEventID(storeID: storeID)
        guard let lastEventID else { return .live(lastSent: newest) }
        let oldest = try await reads.oldestEventID(storeID: storeID) ?? newest + 1
        if lastEventID + 1 < oldest || lastEventID > newest {
            return .truncated(frame: ByteBuffer(string: truncatedFrame(oldest: oldest)), lastSent: newest)
        }
        // A table's replay starts at its last session's end: what came before was another party's.
        if let tableID, let end = try await reads.lastSessionEnd(storeID: storeID, tableID: tableID), lastEventID + 1 < end {
            return .replay(after: end - 1)
        }
        return .replay(after: lastEventID)
    }

    private func truncatedFrame(oldest: Int64) -> String {
        let data = "{\"type\":\"replay_truncated\",\"store_id\":\"\(storeID)\",\"oldest_event_id\":\(oldest),"
            + "\"occurred_at\":\"\(Timestamp.now())\"}"
        return "event: replay_truncated\ndata: \(data)\n\n"
    }

    private static func buffer(_ text: String) -> ByteBuffer? { text.isEmpty ? nil : ByteBuffer(string: text) }
}
