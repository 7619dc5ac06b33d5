import Foundation
@testable import TableOrderCore
import Testing

/// The hand-written message of a new order says exactly what `Codable` would: the worker decodes it
/// with `JSONDecoder` into the same envelope, whatever the note holds and whatever options lines choose.
@Suite struct CommandWireTests {
    func envelope(note: String?, lines: Int = 3, traceparent: String? = nil) -> CommandEnvelope {
        CommandEnvelope(
            id: UUID().lowercased, issuedAt: Timestamp.now(), traceparent: traceparent,
            command: .createOrder(
                CreateOrder(
                    orderID: UUID().lowercased, storeID: "store-1", tableID: UUID().lowercased,
                    lines: (0..<lines).map {
                        // v1.1: every other line chooses options.
                        CreateOrder.Line(
                            menuID: UUID().lowercased, quantity: $0 + 1,
                            options: $0 % 2 == 1 ? [UUID().lowercased, UUID().lowercased] : [])
                    }, note: note,
                    requestHash: String(repeating: "ab", count: 32), requestedAt: Timestamp.now())))
    }

    @Test(arguments: [
        nil, "", "plain", "quote \" and backslash \\ and slash /", "new\nline\r\ttab", "\u{01}\u{1F}\u{7F}",
        "한국어 메모 🍜", "</script><script>alert(1)</script>", "\\u0000 not a real escape",
    ])
    func aNewOrderDecodesToTheSameEnvelope(note: String?) throws {
        let original = envelope(note: note)
        let decoded = try JSON.decode(CommandEnvelope.self, from: try original.wireBytes())
        #expect(decoded == original)
    }

    @Test func linesKeepTheirOrderAndAnEmptyListStaysValidJSON() throws {
        for count in [0, 1, 50] {
            let original = envelope(note: "n", lines: count)
            #expect(try JSON.decode(CommandEnvelope.self, from: try original.wireBytes()) == original)
        }
    }

    @Test func theTraceContextTravelsInsideTheMessage() throws {
        let trace = TraceContext.start().header
        let decoded = try JSON.decode(CommandEnvelope.self, from: try envelope(note: nil, traceparent: trace).wireBytes())
        #expect(decoded.traceparent == trace)
        let other = CommandEnvelope(traceparent: trace, command: .deleteOrder(DeleteOrder(orderID: UUID().lowercased, storeID: "s")))
        #expect(try JSON.decode(CommandEnvelope.self, from: try other.wireBytes()).traceparent == trace)
    }

    @Test func otherCommandsGoThroughCodable() throws {
        let original = CommandEnvelope(command: .deleteOrder(DeleteOrder(orderID: UUID().lowercased, storeID: "s")))
        #expect(try JSON.decode(CommandEnvelope.self, from: try original.wireBytes()) == original)
    }
}
