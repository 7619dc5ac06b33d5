import NIOCore
import NIOSSL
import TableOrderCore

/// Plaintext or TLS, for a connection to RabbitMQ or Redis.
///
/// TLS always verifies the server: its chain against the trusted roots (the system's, or the file named
/// by `TLS_CA_FILE` for a private CA) and its name against the host connected to. There is no switch to
/// turn verification off: a deployment that wants TLS wants to know who it talks to.
public struct TransportSecurity: Sendable {
    /// Made once per client: loading the roots is the expensive part of a TLS context.
    private let context: NIOSSLContext?

    public static let plaintext = TransportSecurity(context: nil)

    private init(context: NIOSSLContext?) { self.context = context }

    /// TLS, trusting the certificates in `trustRootsFile` (PEM) or, without it, the system's roots.
    public static func tls(trustRootsFile: String?) throws -> TransportSecurity {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let trustRootsFile {
            configuration.trustRoots = .file(trustRootsFile)
        }
        return TransportSecurity(context: try NIOSSLContext(configuration: configuration))
    }

    public var isTLS: Bool { context != nil }

    /// Puts TLS in front of whatever the protocol adds next. The name sent (SNI) and verified is the
    /// host's; an IP address is verified against the certificate's IP entries instead, as SNI cannot carry one.
    public func addHandlers(to channel: any Channel, host: String) throws {
        guard let context else { return }
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}
