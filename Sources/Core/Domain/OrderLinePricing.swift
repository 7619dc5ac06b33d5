/// What an order line may not be, checked against the menu it names (contract v1.1 §6). The API checks
/// a line against the menu it can read and answers 400; the worker checks it again against the stored
/// menu and, when it fails there, stores the order as `rejected` (`RejectReason`).
public enum LineProblem: Error, Equatable {
    case menuUnavailable
    /// Fewer portions are left than the order asks for (`left` of them).
    case soldOut(left: Int)
    /// The option is not one of this menu's.
    case unknownOption(String)
    case duplicateOption(String)
    case optionUnavailable(String)
    /// A group's `min_select`/`max_select` does not hold.
    case groupBounds(group: String, minSelect: Int, maxSelect: Int, chosen: Int)
    /// The menu's price plus the chosen deltas is below zero.
    case negativePrice(Int)

    /// The 400's message (after the line's path).
    public var message: String {
        switch self {
        case .menuUnavailable: "is not available"
        case .soldOut(let left): left == 0 ? "is sold out" : "only \(left) left"
        case .unknownOption(let id): "option \(id) is not one of this menu's"
        case .duplicateOption(let id): "option \(id) is chosen twice"
        case .optionUnavailable(let id): "option \(id) is not available"
        case .groupBounds(let group, let min, let max, let chosen):
            "\(group): choose \(min == max ? "\(min)" : "\(min)..\(max)") (chose \(chosen))"
        case .negativePrice(let price): "the options bring the price to \(price), below 0"
        }
    }
}

/// How an order line is priced: the menu's price plus the chosen options' deltas, the options listed in
/// the menu's order. Written once for the API's check and the worker's pricing.
public enum OrderLinePricing {
    public struct Priced: Sendable, Equatable {
        public var options: [ChosenOption]
        public var unitPrice: Int
    }

    /// The line's options and unit price, or the first thing wrong with them. Availability of the menu and
    /// its stock are the caller's (they depend on what else is being ordered).
    public static func price(_ menu: MenuItem, optionIDs: [String]) throws(LineProblem) -> Priced {
        var wanted: Set<String> = []
        for id in optionIDs {
            guard wanted.insert(id).inserted else { throw .duplicateOption(id) }
        }
        var chosen: [ChosenOption] = []
        var found = 0
        var unitPrice = menu.price
        for group in menu.optionGroups {
            var count = 0
            for option in group.options where wanted.contains(option.id) {
                guard option.isAvailable else { throw .optionUnavailable(option.id) }
                count += 1
                unitPrice += option.priceDelta
                chosen.append(
                    ChosenOption(
                        optionID: option.id, groupID: group.id, groupName: group.name, name: option.name,
                        priceDelta: option.priceDelta))
            }
            found += count
            guard count >= group.minSelect, count <= group.maxSelect else {
                throw .groupBounds(group: group.name, minSelect: group.minSelect, maxSelect: group.maxSelect, chosen: count)
            }
        }
        if found < wanted.count, let stranger = optionIDs.first(where: { id in !chosen.contains { $0.optionID == id } }) {
            throw .unknownOption(stranger)
        }
        guard unitPrice >= 0 else { throw .negativePrice(unitPrice) }
        return Priced(options: chosen, unitPrice: unitPrice)
    }
}

/// Why the worker stored an order as `rejected` (contract v1.1 §6).
public struct RejectReason: Codable, Sendable, Equatable {
    public enum Code: String, Codable, Sendable {
        case soldOut = "SOLD_OUT", menuUnavailable = "MENU_UNAVAILABLE", optionUnavailable = "OPTION_UNAVAILABLE"
    }

    public var code: Code
    public var menuID: String
    public var optionID: String?

    public init(code: Code, menuID: String, optionID: String? = nil) {
        self.code = code
        self.menuID = menuID
        self.optionID = optionID
    }

    /// The reason a line's problem gives, for the menu `menuID`.
    public init(_ problem: LineProblem, menuID: String) {
        switch problem {
        case .menuUnavailable, .negativePrice: self.init(code: .menuUnavailable, menuID: menuID)
        case .soldOut: self.init(code: .soldOut, menuID: menuID)
        case .unknownOption(let id), .duplicateOption(let id), .optionUnavailable(let id):
            self.init(code: .optionUnavailable, menuID: menuID, optionID: id)
        case .groupBounds: self.init(code: .optionUnavailable, menuID: menuID)
        }
    }

    enum CodingKeys: String, CodingKey { case code, menuID = "menu_id", optionID = "option_id" }
}
