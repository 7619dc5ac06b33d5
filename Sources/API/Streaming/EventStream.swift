import Foundation
import Hummingbird
import NIOCore
import TableOrderCommon

/// One admin's SSE stream: replay from the event log, then live events, each exactly once, ids strictly
/// increasing.
///
/// Pub/sub only wakes the stream up. The stream remembers the last id it sent; an event that is not the
/// next one (out of order, or after missed messages) makes it read the gap from the log first, and an
/// event it has already sent is dropped.
struct EventStream: Sendable {
    let storeID: String
    let reads: any ReadRepository
    let hub: EventHub

    static let pageSize = 500
    static let heartbeatFrame = ByteBuffer(string: ": heartbeat\n\n")

    /// - Parameter lastEventID: the client's `Last-Event-ID`, or `nil` to start live.
    func write(to writer: inout any ResponseBodyWriter, lastEventID: Int64?) async throws {
        let (subscriptionID, signals) = hub.subscribe(storeID: storeID)
        defer { hub.unsubscribe(storeID: storeID, id: subscriptionID) }
        try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))

        var lastSent = try await reads.lastEventID(storeID: storeID)
        if let lastEventID {
            let oldest = try await reads.oldestEventID(storeID: storeID) ?? lastSent + 1
            if lastEventID + 1 < oldest || lastEventID > lastSent {
                // Older than the retained log, or an id this store never had: the client must reload its
                // snapshot; the stream continues live from now.
                try await writer.write(ByteBuffer(string: truncatedFrame(oldest: oldest)))
            } else {
                lastSent = try await fill(after: lastEventID, upTo: nil, writer: &writer)
            }
        }

        for await signal in signals {
            switch signal {
            case .event(let event, let frame):
                if event.id <= lastSent { continue }
                if event.id > lastSent + 1 {
                    lastSent = try await fill(after: lastSent, upTo: event.id - 1, writer: &writer)
                }
                if event.id == lastSent + 1 {
                    try await writer.write(frame)
                    lastSent = event.id
                }
            case .resync:
                lastSent = try await fill(after: lastSent, upTo: nil, writer: &writer)
            case .heartbeat:
                try await writer.write(Self.heartbeatFrame)
            }
        }
    }

    /// Writes the logged events after `after` (up to `upTo` if given) and returns the last id written.
    private func fill(after: Int64, upTo: Int64?, writer: inout any ResponseBodyWriter) async throws -> Int64 {
        var last = after
        while true {
            let page = try await reads.events(storeID: storeID, after: last, limit: Self.pageSize)
            var chunk = ""
            for event in page where upTo.map({ event.id <= $0 }) ?? true {
                guard event.id == last + 1 else { break }  // never skip: a gap here is not committed yet
                chunk += event.sseFrame
                last = event.id
            }
            if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
            if page.count < Self.pageSize || (upTo.map { last >= $0 } ?? false) { return last }
        }
    }

    private func truncatedFrame(oldest: Int64) -> String {
        let data = "{\"type\":\"replay_truncated\",\"store_id\":\"\(storeID)\",\"oldest_event_id\":\(oldest),"
            + "\"occurred_at\":\"\(Timestamp.now())\"}"
        return "event: replay_truncated\ndata: \(data)\n\n"
    }
}
