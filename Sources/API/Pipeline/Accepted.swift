import Foundation
import HTTPTypes
import Hummingbird
import TableOrderAuth
import TableOrderCore

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let lastEventID = Self("Last-Event-ID")!
    static let accelBuffering = Self("X-Accel-Buffering")!
}

/// The answer to an accepted write: 202 `{"id","status":"accepted"}` with a `Location` where one applies.
struct Accepted: Encodable {
    var id: String
    var status = "accepted"

    static func response(id: String, location: String?) throws -> Response {
        var headers = HTTPFields()
        if let location { headers[.location] = location }
        return try .json(Accepted(id: id), status: .accepted, headers: headers)
    }
}

/// Ids for a write: derived from the `Idempotency-Key` (with the caller and what it does) when the client
/// sends one, so a retried request maps to the same resource and the same command; fresh otherwise.
struct WriteIdentity {
    let key: String?
    let scope: [String]

    init(_ request: Request, claims: AccessClaims, action: String) throws {
        if let key = request.headers[.idempotencyKey] {
            guard Self.isValidKey(key) else {
                throw ServiceError.validation("Idempotency-Key: \(Limits.idempotencyKey.expectation)")
            }
            self.key = key
        } else {
            self.key = nil
        }
        self.scope = [claims.storeID, claims.userID, action]
    }

    /// The id of the resource the write creates (`part`s name one of several: `option_groups[0]`).
    func resourceID(_ kind: String, _ parts: String...) -> String {
        guard let key else { return UUID().lowercased }
        return DeterministicID.make(parts: [kind] + scope + [key] + parts).lowercased
    }

    /// The command's id (exactly-once application of retries).
    var commandID: String { resourceID("command") }

    /// `Idempotency-Key`: 1..128 visible ASCII characters.
    static func isValidKey(_ key: String) -> Bool {
        let bytes = key.utf8
        // Visible ASCII only, so bytes and characters are the same count.
        return Limits.idempotencyKey.range.contains(bytes.count) && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
