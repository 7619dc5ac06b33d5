import Foundation
@testable import TableOrderAPI
@testable import TableOrderCore
import Testing

/// Client values at their edges (v1.1 §2, §8), proxies (v1.1 §1), the descriptor budget, private files.
@Suite struct HardeningUnitTests {
    @Test(arguments: [
        ("0", Int64(0)), ("42", 42), ("0042", 42), ("9007199254740991", 9_007_199_254_740_991),
    ])
    func eventIDsInRangeParse(text: String, value: Int64) {
        #expect(StreamRoutes.parseEventID(text) == value)
    }

    @Test(arguments: [
        "9007199254740992", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-1", "+1", " 1",
        "1 ", "0x10", "1e3", "1.0", "", "٣", "１", "12345678901234567", "99999999999999999999999999",
    ])
    func anythingElseIsRefused(text: String) {
        #expect(StreamRoutes.parseEventID(text) == nil)
    }

    @Test func textIsCountedInScalars() throws {
        let accents = String(repeating: "\u{301}", count: 99)
        #expect(("m" + accents).count == 1)
        #expect(("m" + accents).scalarCount == 100)
        #expect(throws: Never.self) { try MenuAdminRoutes.checkName("m" + accents) }
        #expect(throws: ServiceError.self) { try MenuAdminRoutes.checkName("m" + accents + "\u{301}") }
        #expect("🍜".scalarCount == 1)
        #expect("👩‍👩‍👧".scalarCount == 5)  // one character, five scalars
    }

    @Test func aTrustedProxysRightMostUntrustedEntryIsTheClient() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.1/32, 10.0.0.0/8, fd00::/8")
        let proxy = try #require(IPAddress("127.0.0.1"))
        func client(_ values: [Substring], peer: IPAddress = proxy) -> String {
            proxies.clientAddress(peer: peer, forwardedFor: values).description
        }
        #expect(client(["203.0.113.7"]) == "203.0.113.7")
        #expect(client(["198.51.100.1, 203.0.113.7"]) == "203.0.113.7")  // the left entry is the client's to write
        #expect(client(["203.0.113.7, 10.1.2.3"]) == "203.0.113.7")  // through a second trusted proxy
        #expect(client(["203.0.113.7", "10.1.2.3"]) == "203.0.113.7")  // over two header lines
        #expect(client(["garbage, 10.1.2.3"]) == "10.1.2.3")  // unreadable: the last trusted hop
        #expect(client([]) == "127.0.0.1")
        #expect(client(["2001:db8::1"]) == "2001:db8::1")
        // An untrusted peer's header is ignored.
        #expect(client(["203.0.113.7"], peer: try #require(IPAddress("192.0.2.9"))) == "192.0.2.9")
        // A header inflated to thousands of entries is read from the right, 64 at most.
        let long = Substring(Array(repeating: "10.0.0.1", count: 5_000).joined(separator: ","))
        #expect(client([long]) == "10.0.0.1")
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0.0/-1", "nonsense", "10.0.0.0/8/8", "::/129", "1.2.3.4/0000008", "/", "10.0.0.0/", "/8"])
    func badProxyListsAreConfigurationErrors(text: String) {
        #expect(throws: ConfigurationError.self) { try TrustedProxies(parsing: text) }
    }

    @Test func networksMatchTheirPrefixOnly() throws {
        let proxies = try TrustedProxies(parsing: "192.168.4.0/22")
        #expect(proxies.contains(try #require(IPAddress("192.168.7.255"))))
        #expect(!proxies.contains(try #require(IPAddress("192.168.8.0"))))
        #expect(!proxies.contains(try #require(IPAddress("::ffff:c0a8:0800"))))
        #expect(proxies.contains(try #require(IPAddress("::ffff:192.168.5.1"))))  // IPv4-mapped is the same address
    }

    @Test func theDescriptorBudgetKeepsAReserveAndRoomForRequests() {
        let small = DescriptorBudget(limit: 512, cores: 2)
        #expect(small.reserve == 104)
        #expect(small.connections == 408)
        #expect(small.streams == 357)
        #expect(DescriptorBudget(limit: 512, cores: 64).reserve == 352)  // every event loop's own descriptors
        let large = DescriptorBudget(limit: 20_000, cores: 2)
        #expect(large.connections + large.reserve == 20_000)
        #expect(large.streams == 16_344)
        #expect(DescriptorBudget(limit: 20_000, streams: 100).streams == 100)
        #expect(DescriptorBudget(limit: 512, streams: 100_000, cores: 2).streams == 357)  // never past the descriptors
        #expect(DescriptorBudget(limit: 10).streams == 0)
        #expect(DescriptorBudget(limit: Int.max).streams > 0)  // RLIM_INFINITY: no overflow
    }

    @Test func privateFilesAreTheOwnersFromTheStart() throws {
        let path = NSTemporaryDirectory() + "private-\(UUID().uuidString)"
        defer { unlink(path) }
        let old = umask(0o022)  // the usual umask: a file created with the default mode would be 0644
        defer { umask(old) }
        try PrivateFile.write(Array("secret".utf8), to: path)
        #expect(try mode(path) == 0o600)
        chmod(path, 0o644)
        try PrivateFile.prepare(path)
        #expect(try mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "secret")  // prepare keeps the content
    }

    private func mode(_ path: String) throws -> Int {
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        return try #require(permissions).intValue & 0o777
    }
}
