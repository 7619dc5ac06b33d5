import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `TRUSTED_PROXIES` (v1.1 §1): the networks whose `X-Forwarded-For` is believed.
///
/// Behind a proxy every client has the proxy's address, so a per-address login limit would lock every
/// store's logins at once. Only a peer inside one of these networks may say who the client is, and only
/// the entries it (and the trusted proxies before it) appended count: the right-most entry that is not
/// itself a trusted proxy. Anything to its left was written by the client and is ignored.
public struct TrustedProxies: Sendable, Equatable {
    public let networks: [Network]

    public init(networks: [Network] = []) { self.networks = networks }

    /// Parses `10.0.0.0/8, 192.168.1.7, fd00::/8` (a bare address is a network of one).
    public init(parsing text: String) throws {
        var networks: [Network] = []
        for part in text.split(separator: ",") {
            let entry = part.trimmingCharacters(in: [" ", "\t"])
            if entry.isEmpty { continue }
            guard let network = Network(entry) else {
                throw ConfigurationError("TRUSTED_PROXIES", "expected comma-separated CIDRs, got '\(entry)'")
            }
            networks.append(network)
        }
        self.networks = networks
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func contains(_ address: IPAddress) -> Bool { networks.contains { $0.contains(address) } }

    /// The client's address for a request from `peer` carrying these `X-Forwarded-For` values (in the
    /// order the header lines came). At most the last 64 entries are looked at: a header is the client's
    /// to inflate, and the answer is always among the right-most ones.
    public func clientAddress(peer: IPAddress, forwardedFor values: [Substring]) -> IPAddress {
        guard contains(peer) else { return peer }
        var entries: [Substring] = []
        for value in values.reversed() {
            for entry in value.split(separator: ",", omittingEmptySubsequences: false).reversed() {
                entries.append(entry)
                if entries.count == 64 { break }
            }
            if entries.count == 64 { break }
        }
        var client = peer
        for entry in entries {
            // An entry a trusted proxy wrote is an address; anything else means the chain can't be read
            // further: the last trusted hop is the best answer there is.
            guard let address = IPAddress(entry.trimmingCharacters(in: [" ", "\t"])) else { return client }
            client = address
            if !contains(address) { return address }
        }
        return client
    }
}

/// An IPv4 or IPv6 address as 16 bytes (IPv4 as its IPv4-mapped IPv6 form, so one comparison serves both).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let isIPv4: Bool

    public init?(_ text: String) {
        guard text.utf8.count <= 45, !text.isEmpty else { return nil }  // the longest IPv6 text
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let octets = withUnsafeBytes(of: v4.s_addr) { Array($0) }
            bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + octets
            isIPv4 = true
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: v6) { Array($0) }
        bytes = raw
        isIPv4 = raw[0..<10].allSatisfy { $0 == 0 } && raw[10] == 0xFF && raw[11] == 0xFF
    }

    public var description: String {
        if isIPv4 { return bytes[12...].map(String.init).joined(separator: ".") }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension TrustedProxies {
    /// An address and a prefix length, both in the 16-byte form of `IPAddress`.
    public struct Network: Sendable, Equatable {
        let base: IPAddress
        let prefix: Int

        init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let base = IPAddress(parts[0]) else { return nil }
            let width = base.isIPv4 ? 32 : 128
            var prefix = width
            if parts.count == 2 {
                guard parts[1].utf8.count <= 3, let length = Int(parts[1]), (0...width).contains(length) else { return nil }
                prefix = length
            }
            self.base = base
            self.prefix = base.isIPv4 ? prefix + 96 : prefix
        }

        func contains(_ address: IPAddress) -> Bool {
            var remaining = prefix
            for index in 0..<16 where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address.bytes[index] & mask != base.bytes[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }
}
