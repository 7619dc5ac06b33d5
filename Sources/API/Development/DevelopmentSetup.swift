import CryptoExtras
import Foundation
import Logging
import TableOrderAuth
import TableOrderCore
import TableOrderStorage

/// Development mode's first-start work: the `demo` store with generated passwords (kept beside the
/// SQLite file, so a restart prints the same ones), an ephemeral key pair when no key files are given,
/// and the lines a newcomer needs to see the system work.
struct DevelopmentSetup {
    struct Credentials: Codable {
        var adminPassword: String
        var tablePassword: String
        enum CodingKeys: String, CodingKey { case adminPassword = "admin_password", tablePassword = "table_password" }
    }

    static let storeID = "demo"
    static let tableCount = 5

    let settings: Settings
    let store: SQLStore
    let logger: Logger

    var credentialsPath: String { settings.sqlitePath + ".credentials.json" }

    /// Seeds `demo` unless it is there with known passwords; returns the passwords.
    func prepare() async throws -> Credentials {
        if let data = FileManager.default.contents(atPath: credentialsPath),
            let saved = try? JSONDecoder().decode(Credentials.self, from: data),
            try await store.storeExists(Self.storeID)
        {
            return saved
        }
        let credentials = Credentials(adminPassword: Self.password(), tablePassword: Self.password())
        let plan = try SeedPlan(
            storeID: Self.storeID, storeName: "Demo Store", adminUsername: "admin",
            adminPassword: credentials.adminPassword, tableCount: Self.tableCount,
            tablePassword: credentials.tablePassword, demoMenu: true)
        try await store.seed(plan)
        let data = try JSONEncoder().encode(credentials)
        try PrivateFile.write(data, to: credentialsPath)
        logger.info("seeded the demo store", metadata: ["credentials": "\(credentialsPath)"])
        return credentials
    }

    static func password() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return String((0..<10).map { _ in alphabet.randomElement()! })
    }

    /// A key pair for this run only, so development mode needs no key files.
    static func ephemeralTokenService(issuer: String) async throws -> TokenService {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return try await TokenService(
            publicKeyPEM: key.publicKey.pemRepresentation, privateKeyPEM: key.pemRepresentation, issuer: issuer)
    }

    /// What the newcomer reads: logins, tokens for this run, and two curl lines to paste.
    func introduction(credentials: Credentials, tokens: TokenService) async throws -> String {
        let admin = try await store.adminCredential(storeID: Self.storeID, username: "admin")
        let table = try await store.tableCredential(storeID: Self.storeID, tableNumber: 1)
        let menu = try await store.menu(storeID: Self.storeID)
        guard let admin, let table, let menuID = menu?.menus.first?.id else { return "demo store is incomplete" }
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let adminToken = try await tokens.sign(
            AccessClaims(
                issuer: tokens.issuer, userID: admin.userID, storeID: Self.storeID, role: .admin, issuedAt: now,
                expiresAt: now + TokenLifetime.admin))
        let tableToken = try await tokens.sign(
            AccessClaims(
                issuer: tokens.issuer, userID: table.userID, storeID: Self.storeID, role: .table, tableID: table.userID,
                tableNumber: 1, issuedAt: now, expiresAt: now + TokenLifetime.table))
        let base = "http://\(settings.httpHost):\(settings.httpPort)"
        return """

            Table Order is running in development mode: one process, SQLite at \(settings.sqlitePath).
              store:  \(Self.storeID)
              admin:  admin / \(credentials.adminPassword)
              tables: 1..\(Self.tableCount) / \(credentials.tablePassword)
              admin token (this run):   \(adminToken)
              table 1 token (this run): \(tableToken)

            Open the admin's live board in a browser (store demo, admin / \(credentials.adminPassword)):
              \(base)/admin

            Open a table's tablet in another window (store demo, table 1, password \(credentials.tablePassword)):
              \(base)/table

            Watch the admin's live stream (leave it running):
              curl -N \(base)/api/admin/orders/stream -H 'Authorization: Bearer \(adminToken)'

            Place an order as table 1 (in another terminal):
              curl -X POST \(base)/api/orders -H 'Authorization: Bearer \(tableToken)' -H 'Content-Type: application/json' -d '{"items":[{"menu_id":"\(menuID)","quantity":2}]}'

            Log in yourself:
              curl -X POST \(base)/api/auth/admin/login -H 'Content-Type: application/json' -d '{"store_id":"demo","username":"admin","password":"\(credentials.adminPassword)"}'

            """
    }
}
