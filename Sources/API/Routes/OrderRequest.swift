import Foundation
import TableOrderCore

/// The body of `POST /api/orders`, and its checks of contract §6.
struct OrderRequest: Decodable {
    struct Line: Decodable {
        var menuID: String
        var quantity: Int
        /// v1.1: option ids; absent is none.
        var options: [String]
        enum CodingKeys: String, CodingKey { case menuID = "menu_id", quantity, options }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            menuID = try c.decode(String.self, forKey: .menuID)
            quantity = try c.decodeInteger(forKey: .quantity)
            options = try c.decodeIfPresent([String].self, forKey: .options) ?? []
        }
    }

    var items: [Line]
    var note: String?

    /// Checks shape and ranges, then every line against the store's menu (availability, stock, options and
    /// their groups' bounds). Throws 400 naming the line.
    func validate(against menu: StoreMenu) throws -> [CreateOrder.Line] {
        try Limits.orderLines.check(items.count)
        if let note { try Limits.note.check(note) }
        let menus = Dictionary(menu.menus.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var portions: [String: Int] = [:]
        let lines = try items.enumerated().map { index, line in
            try Limits.quantity.check(line.quantity, at: "items[\(index)].quantity")
            try Limits.lineOptions.check(line.options.count, at: "items[\(index)].options")
            guard let id = UUID(uuidString: line.menuID)?.lowercased else {
                throw ServiceError.validation("items[\(index)].menu_id: not a UUID")
            }
            guard let item = menus[id] else {
                throw ServiceError.validation("items[\(index)].menu_id: no such menu in this store")
            }
            guard item.isAvailable else {
                throw ServiceError.validation("items[\(index)].menu_id: \(item.name) is not available")
            }
            let options = try line.options.enumerated().map { position, option in
                guard let uuid = UUID(uuidString: option)?.lowercased else {
                    throw ServiceError.validation("items[\(index)].options[\(position)]: not a UUID")
                }
                return uuid
            }
            do throws(LineProblem) {
                _ = try OrderLinePricing.price(item, optionIDs: options)
            } catch {
                throw ServiceError.validation("items[\(index)].options: \(error.message)")
            }
            portions[id, default: 0] += line.quantity
            if let stock = item.stock, portions[id]! > stock {
                throw ServiceError.validation(
                    "items[\(index)].menu_id: \(item.name) \(LineProblem.soldOut(left: stock).message)")
            }
            return CreateOrder.Line(menuID: id, quantity: line.quantity, options: options)
        }
        return lines
    }

    /// The lines as `validate` would return them (ids in their lowercase form), without the menu's checks;
    /// `nil` if an id is not a UUID. A retry is recognised by them before the menu is read.
    func normalizedLines() -> [CreateOrder.Line]? {
        var lines: [CreateOrder.Line] = []
        for line in items {
            guard let menuID = UUID(uuidString: line.menuID)?.lowercased else { return nil }
            var options: [String] = []
            for option in line.options {
                guard let id = UUID(uuidString: option)?.lowercased else { return nil }
                options.append(id)
            }
            lines.append(CreateOrder.Line(menuID: menuID, quantity: line.quantity, options: options))
        }
        return lines
    }

    /// A fingerprint of what was ordered, to tell a retry from a reused `Idempotency-Key`. A line without
    /// options reads as it did in v1, so orders stored before v1.1 keep their fingerprints.
    static func fingerprint(lines: [CreateOrder.Line], note: String?) -> String {
        var text = lines.map { line in
            "\(line.menuID)x\(line.quantity)" + (line.options.isEmpty ? "" : "+" + line.options.joined(separator: "+"))
        }.joined(separator: ",")
        text += "|" + (note ?? "")
        return DeterministicID.fingerprint(Array(text.utf8))
    }
}
