import Foundation
import TableOrderCore

/// What the kitchen can serve while a run of orders is applied: the stored menus, and the counted stock
/// the run has taken so far. Orders are taken in the run's order, all of an order's lines or none.
struct Kitchen {
    struct Outcome {
        /// The order's lines, priced; for a rejected order, as it asked (priced where the menu is known).
        var items: [OrderItem]
        var reason: RejectReason?
        /// Menus whose last portions this order took.
        var soldOut: [UUID] = []
    }

    private var menus: [UUID: MenuRow]
    /// Portions left of the counted menus this run has taken from.
    private(set) var takenStock: [UUID: Int] = [:]

    init(menus: [UUID: MenuRow]) {
        self.menus = menus
    }

    /// The stores whose listing changed because their stock did.
    var storesWithStockTaken: Set<String> { Set(takenStock.keys.compactMap { menus[$0]?.storeID }) }

    mutating func take(_ order: CreateOrder) -> Outcome {
        var items: [OrderItem] = []
        var reason: RejectReason?
        var wanted: [UUID: Int] = [:]
        for (index, line) in order.lines.enumerated() {
            let itemID = OrderItem.id(orderID: order.orderID, line: index)
            guard let menuID = UUID(uuidString: line.menuID), let row = menus[menuID], row.storeID == order.storeID,
                !row.deleted
            else {
                reason = reason ?? RejectReason(code: .menuUnavailable, menuID: line.menuID.lowercased())
                items.append(OrderItem(itemID: itemID, menuID: line.menuID.lowercased(), name: "", unitPrice: 0, quantity: line.quantity))
                continue
            }
            let menu = row.menu
            do throws(LineProblem) {
                let priced = try OrderLinePricing.price(menu, optionIDs: line.options)
                items.append(
                    OrderItem(
                        itemID: itemID, menuID: menu.id, name: menu.name, unitPrice: priced.unitPrice,
                        quantity: line.quantity, options: priced.options))
            } catch {
                reason = reason ?? RejectReason(error, menuID: menu.id)
                items.append(OrderItem(itemID: itemID, menuID: menu.id, name: menu.name, unitPrice: menu.price, quantity: line.quantity))
                continue
            }
            wanted[menuID, default: 0] += line.quantity
        }
        if reason == nil {
            // Stock first: a menu that ran out (and was switched off for it) is sold out, not unavailable.
            for (menuID, count) in wanted.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                let menu = menus[menuID]!.menu
                if let left = stockLeft(menuID), left < count {
                    reason = RejectReason(code: .soldOut, menuID: menu.id)
                    break
                }
                guard menu.isAvailable else {
                    reason = RejectReason(code: .menuUnavailable, menuID: menu.id)
                    break
                }
            }
        }
        guard reason == nil else { return Outcome(items: items, reason: reason) }
        var soldOut: [UUID] = []
        for (menuID, count) in wanted {
            guard let left = stockLeft(menuID) else { continue }
            takenStock[menuID] = left - count
            if left - count == 0 {
                menus[menuID]?.menu.isAvailable = false
                soldOut.append(menuID)
            }
        }
        return Outcome(items: items, reason: nil, soldOut: soldOut.sorted { $0.uuidString < $1.uuidString })
    }

    private func stockLeft(_ menuID: UUID) -> Int? {
        takenStock[menuID] ?? menus[menuID]?.menu.stock
    }
}
