/// One host of a service: where a connection attempt goes.
public struct BrokerEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension BrokerEndpoint {
    /// `host:port`, `[v6]:port`, or a bare host with `defaultPort`.
    public init(parsing text: Substring, defaultPort: Int, variable: String) throws {
        var host = text
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw ConfigurationError(variable, "unclosed [ in \(text)") }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { throw ConfigurationError(variable, "bad port in \(text)") }
                port = p
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { throw ConfigurationError(variable, "bad port in \(text)") }
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw ConfigurationError(variable, "a host is missing in \(text)") }
        guard (1...65535).contains(port) else { throw ConfigurationError(variable, "port out of range in \(text)") }
        self.init(host: String(host), port: port)
    }
}
