import Foundation
import Logging
import NIOConcurrencyHelpers
@testable import TableOrderCore
import Testing

/// W3C `traceparent` parsing as the specification says, and JSON log lines a collector can parse.
@Suite struct TraceContextTests {
    @Test func aValidHeaderIsContinued() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let trace = try #require(TraceContext(header: header))
        #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(trace.spanID == "00f067aa0ba902b7")
        #expect(trace.sampled)
        #expect(trace.header == header)
        let child = trace.child()
        #expect(child.traceID == trace.traceID && child.spanID != trace.spanID && child.sampled)
    }

    @Test(arguments: [
        "", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // too few fields
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case is invalid
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff is invalid
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has four fields
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",  // not hex
    ])
    func invalidHeadersAreIgnored(header: String) {
        #expect(TraceContext(header: header) == nil)
    }

    /// The parser (swift-w3c-trace-context) knows version 00 only: a later version's request starts a new
    /// trace instead of continuing the caller's.
    @Test func aLaterVersionIsNotContinued() {
        #expect(TraceContext(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more") == nil)
    }

    @Test func newTracesAreWellFormedAndDistinct() throws {
        let a = TraceContext.start()
        let b = TraceContext.start()
        #expect(a.traceID != b.traceID)
        #expect(try #require(TraceContext(header: a.header)) == a)
    }

    /// The ids come from `FastRandom` (one generator shared by every thread): drawn from several threads
    /// at once, none repeats and every one is a valid id.
    @Test func idsDrawnConcurrentlyNeverRepeat() async throws {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<5_000).map { _ in TraceContext.start().traceID } }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == 20_000)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && TraceContext(header: "00-\($0)-00f067aa0ba902b7-01") != nil })
    }
}

@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let box = NIOLockedValueBox<[[UInt8]]>([])
        func objects() throws -> [[String: Any]] {
            try box.withLockedValue { $0 }.map { line in
                #expect(line.last == UInt8(ascii: "\n"))
                #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
                return try #require(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            }
        }
    }

    func logger(_ lines: Lines, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "tableorder-worker") { label in
            JSONLogHandler(label: label) { line in lines.box.withLockedValue { $0.append(line) } }
        }
        logger.logLevel = level
        return logger
    }

    @Test func eachRecordIsOneJSONObjectOnOneLine() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "trace_id"] = "4bf92f3577b34da6a3ce929d0e0e4736"
        logger.info(
            "command applied\nsecond line \"quoted\" 한국어",
            metadata: [
                "command_id": "c-1", "count": .stringConvertible(3), "msg": "shadowing",
                "tags": ["a", "b"], "nested": ["k": "v"],
            ])
        logger.debug("below the level")
        let objects = try lines.objects()
        #expect(objects.count == 1)
        let line = try #require(objects.first)
        #expect(line["msg"] as? String == "command applied\nsecond line \"quoted\" 한국어")
        #expect(line["level"] as? String == "info")
        #expect(line["logger"] as? String == "tableorder-worker")
        #expect(line["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(line["command_id"] as? String == "c-1")
        #expect(line["count"] as? String == "3")
        #expect(line["meta.msg"] as? String == "shadowing")
        #expect(line["tags"] as? [String] == ["a", "b"])
        #expect((line["nested"] as? [String: String]) == ["k": "v"])
        let ts = try #require(line["ts"] as? String)
        #expect(ts.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(ts)")
        let parsed = try #require(try? Date(ts, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }

    @Test func theFormatIsChosenByModeUnlessSet() throws {
        #expect(try Settings(environment: [:]).logFormat == .text)
        let production = ["ENV": "production"]
        #expect(try Settings(environment: production).logFormat == .json)
        #expect(try Settings(environment: production.merging(["LOG_FORMAT": "text"]) { $1 }).logFormat == .text)
        #expect(throws: ConfigurationError.self) { try Settings(environment: ["LOG_FORMAT": "xml"]) }
    }
}
