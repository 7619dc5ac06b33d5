import Foundation
import TableOrderCore

/// `translations` of a request (v1.1 §5): at most 10 BCP 47 tags (compared without case, as BCP 47 does),
/// each translating only the fields there are, with their limits: a `description` only where the thing
/// has one (a menu).
enum TranslationsBody {
    static func check(
        _ translations: Translations?, name nameLimit: Limit, describes: Bool = false, at path: String = "translations"
    ) throws {
        guard let translations else { return }
        try Limits.translations.check(translations.count, at: path)
        var seen: Set<String> = []
        for (tag, translation) in translations.sorted(by: { $0.key < $1.key }) {
            guard isLanguageTag(tag) else { throw ServiceError.validation("\(path): \(tag.debugDescription) is not a BCP 47 tag") }
            guard seen.insert(tag.lowercased()).inserted else {
                throw ServiceError.validation("\(path): \(tag) is given twice (tags are not case-sensitive)")
            }
            try nameLimit.check(translation.name, at: "\(path).\(tag).name")
            if let description = translation.description {
                guard describes else { throw ServiceError.validation("\(path).\(tag).description: there is none to translate") }
                try Limits.description.check(description, at: "\(path).\(tag).description")
            }
        }
    }

    /// `en`, `zh-Hans`, `pt-BR`: a 2–8 letter language, then subtags of 1–8 letters or digits.
    static func isLanguageTag(_ tag: String) -> Bool {
        guard Limits.languageTag.range.contains(tag.utf8.count) else { return false }
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        func letters(_ part: Substring) -> Bool { part.utf8.allSatisfy { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 } }
        func alphanumerics(_ part: Substring) -> Bool {
            part.utf8.allSatisfy { (($0 | 0x20) >= 97 && ($0 | 0x20) <= 122) || ($0 >= 48 && $0 <= 57) }
        }
        guard let language = parts.first, (2...8).contains(language.count), letters(language) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && alphanumerics($0) }
    }
}

/// One option group as a request sends it; `id`s are optional (the server gives them).
struct OptionGroupBody: Decodable {
    struct OptionBody: Decodable {
        var id: String?
        var name: String
        var priceDelta: Int
        var isAvailable: Bool?
        var translations: Translations?
        enum CodingKeys: String, CodingKey {
            case id, name, priceDelta = "price_delta", isAvailable = "is_available", translations
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id)
            name = try c.decode(String.self, forKey: .name)
            priceDelta = try c.decodeInteger(forKey: .priceDelta)
            isAvailable = try c.decodeIfPresent(Bool.self, forKey: .isAvailable)
            translations = try c.decodeIfPresent(Translations.self, forKey: .translations)
        }
    }

    var id: String?
    var name: String
    var minSelect: Int
    var maxSelect: Int
    var sortOrder: Int?
    var options: [OptionBody]
    var translations: Translations?

    enum CodingKeys: String, CodingKey {
        case id, name, minSelect = "min_select", maxSelect = "max_select", sortOrder = "sort_order", options, translations
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        minSelect = try c.decodeInteger(forKey: .minSelect)
        maxSelect = try c.decodeInteger(forKey: .maxSelect)
        sortOrder = try c.contains(.sortOrder) && !c.decodeNil(forKey: .sortOrder) ? c.decodeInteger(forKey: .sortOrder) : nil
        options = try c.decode([OptionBody].self, forKey: .options)
        translations = try c.decodeIfPresent(Translations.self, forKey: .translations)
    }

    /// Checks every group against contract v1.1 §5 and gives ids to those sent without: `newID(path)` names
    /// them (the same path and `Idempotency-Key` give the same id). Returns the groups and every id in them.
    static func resolve(_ bodies: [OptionGroupBody], newID: (String) -> String) throws -> (groups: [OptionGroup], ids: [UUID]) {
        try Limits.optionGroups.check(bodies.count)
        var ids: [UUID] = []
        var seen: Set<UUID> = []
        func id(_ given: String?, at path: String) throws -> String {
            let text = given ?? newID(path)
            guard let uuid = UUID(uuidString: text) else { throw ServiceError.validation("\(path).id: not a UUID") }
            guard seen.insert(uuid).inserted else { throw ServiceError.validation("\(path).id: used twice") }
            ids.append(uuid)
            return uuid.lowercased
        }
        let groups = try bodies.enumerated().map { index, body -> OptionGroup in
            let path = "option_groups[\(index)]"
            try Limits.optionName.check(body.name, at: "\(path).name")
            try Limits.groupOptions.check(body.options.count, at: "\(path).options")
            try Limits.minSelect.check(body.minSelect, at: "\(path).min_select")
            try Limits.maxSelect.check(body.maxSelect, at: "\(path).max_select")
            guard body.minSelect <= body.maxSelect, body.maxSelect <= body.options.count else {
                throw ServiceError.validation("\(path): needs 0 ≤ min_select ≤ max_select ≤ the number of options")
            }
            if let sortOrder = body.sortOrder { try Limits.sortOrder.check(sortOrder, at: "\(path).sort_order") }
            try TranslationsBody.check(body.translations, name: Limits.optionName, at: "\(path).translations")
            let groupID = try id(body.id, at: path)
            let options = try body.options.enumerated().map { position, option -> MenuOption in
                let optionPath = "\(path).options[\(position)]"
                try Limits.optionName.check(option.name, at: "\(optionPath).name")
                try Limits.priceDelta.check(option.priceDelta, at: "\(optionPath).price_delta")
                try TranslationsBody.check(option.translations, name: Limits.optionName, at: "\(optionPath).translations")
                return MenuOption(
                    id: try id(option.id, at: optionPath), name: option.name, priceDelta: option.priceDelta,
                    isAvailable: option.isAvailable ?? true, translations: option.translations ?? [:])
            }
            return OptionGroup(
                id: groupID, name: body.name, minSelect: body.minSelect, maxSelect: body.maxSelect,
                sortOrder: body.sortOrder ?? 0, options: options, translations: body.translations ?? [:])
        }
        let ordered = groups.enumerated().sorted { ($0.element.sortOrder, $0.offset) < ($1.element.sortOrder, $1.offset) }
        return (ordered.map(\.element), ids)
    }
}
