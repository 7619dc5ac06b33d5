import Foundation
import TableOrderCore

/// The body of `POST /api/orders`, and its checks of contract §6.
struct OrderRequest: Decodable {
    struct Line: Decodable {
        var menuID: String
        var quantity: Int
        enum CodingKeys: String, CodingKey { case menuID = "menu_id", quantity }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            menuID = try c.decode(String.self, forKey: .menuID)
            quantity = try c.decodeInteger(forKey: .quantity)
        }
    }

    var items: [Line]
    var note: String?

    /// Checks shape and ranges, then every line against the store's menu. Throws 400 naming the item.
    func validate(against menu: StoreMenu) throws -> [CreateOrder.Line] {
        try Limits.orderLines.check(items.count)
        if let note { try Limits.note.check(note) }
        let menus = Dictionary(menu.menus.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return try items.enumerated().map { index, line in
            try Limits.quantity.check(line.quantity, at: "items[\(index)].quantity")
            guard let id = UUID(uuidString: line.menuID)?.lowercased else {
                throw ServiceError.validation("items[\(index)].menu_id: not a UUID")
            }
            guard let item = menus[id] else {
                throw ServiceError.validation("items[\(index)].menu_id: no such menu in this store")
            }
            guard item.isAvailable else {
                throw ServiceError.validation("items[\(index)].menu_id: \(item.name) is not available")
            }
            return CreateOrder.Line(menuID: id, quantity: line.quantity)
        }
    }

    /// A fingerprint of what was ordered, to tell a retry from a reused `Idempotency-Key`.
    static func fingerprint(lines: [CreateOrder.Line], note: String?) -> String {
        var text = lines.map { "\($0.menuID)x\($0.quantity)" }.joined(separator: ",")
        text += "|" + (note ?? "")
        return DeterministicID.fingerprint(Array(text.utf8))
    }
}
