import Foundation
import TableOrderCore

extension CommandHandler {
    func createCategory(_ command: CreateCategory, in tx: any WriteTransaction) async throws -> [EventBody] {
        let id = try uuid(command.categoryID, "category id")
        guard try await tx.insertCategory(command, id: id) else { return [] }
        return [.menuChanged(menuID: nil, categoryID: command.categoryID, action: "created")]
    }

    func createMenu(_ command: CreateMenu, in tx: any WriteTransaction) async throws -> [EventBody] {
        let id = try uuid(command.menuID, "menu id")
        let categoryID = try uuid(command.categoryID, "category id")
        guard try await tx.categoryExists(storeID: command.storeID, categoryID: categoryID) else {
            throw CommandRejection("category \(command.categoryID) is not in store \(command.storeID)")
        }
        guard try await tx.insertMenu(command, id: id, categoryID: categoryID) else { return [] }
        try await claimOptionIDs(command.optionGroups, storeID: command.storeID, menuID: id, in: tx)
        return [.menuChanged(menuID: command.menuID, categoryID: command.categoryID, action: "created")]
    }

    func updateMenu(_ command: UpdateMenu, in tx: any WriteTransaction) async throws -> [EventBody] {
        let id = try uuid(command.menuID, "menu id")
        var categoryID: UUID?
        if let category = command.categoryID {
            let parsed = try uuid(category, "category id")
            guard try await tx.categoryExists(storeID: command.storeID, categoryID: parsed) else {
                throw CommandRejection("category \(category) is not in store \(command.storeID)")
            }
            categoryID = parsed
        }
        guard try await tx.updateMenu(command, id: id, categoryID: categoryID) else { return [] }
        try await claimOptionIDs(command.optionGroups, storeID: command.storeID, menuID: id, in: tx)
        return [.menuChanged(menuID: command.menuID, categoryID: command.categoryID, action: "updated")]
    }

    /// Records the menu's group and option ids as its own. The API refused ids another menu held when it
    /// checked; one taken since by a concurrent write makes this command unappliable (dead-lettered,
    /// nothing of it stored) rather than two menus sharing an option.
    private func claimOptionIDs(_ groups: [OptionGroup]?, storeID: String, menuID: UUID, in tx: any WriteTransaction)
        async throws
    {
        guard let groups else { return }
        var ids: [UUID] = []
        for group in groups {
            ids.append(try uuid(group.id, "option group id"))
            for option in group.options { ids.append(try uuid(option.id, "option id")) }
        }
        guard try await tx.claimOptionIDs(storeID: storeID, menuID: menuID, ids: ids) else {
            throw CommandRejection("an option id of menu \(menuID.lowercased) belongs to another menu")
        }
    }

    func setAvailability(_ command: SetMenuAvailability, in tx: any WriteTransaction) async throws -> [EventBody] {
        let id = try uuid(command.menuID, "menu id")
        guard try await tx.setAvailability(command, id: id) else { return [] }
        return [.menuChanged(menuID: command.menuID, categoryID: nil, action: "availability")]
    }

    func updateCategory(_ command: UpdateCategory, in tx: any WriteTransaction) async throws -> [EventBody] {
        let id = try uuid(command.categoryID, "category id")
        guard try await tx.updateCategory(command, id: id) else { return [] }
        return [.menuChanged(menuID: nil, categoryID: command.categoryID, action: "updated")]
    }

    /// The API refused to delete a category holding menus; one that gained a menu since stays (nothing is
    /// deleted, no event: the admin's listing still shows it).
    func deleteCategory(_ command: DeleteCategory, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let id = try uuid(command.categoryID, "category id")
        guard try await !tx.categoryHasMenus(id) else { return [] }
        guard try await tx.deleteCategory(storeID: command.storeID, id: id, at: now) else { return [] }
        return [.menuChanged(menuID: nil, categoryID: command.categoryID, action: "deleted")]
    }

    func deleteMenu(_ command: DeleteMenu, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let id = try uuid(command.menuID, "menu id")
        guard try await tx.deleteMenu(storeID: command.storeID, id: id, at: now) else { return [] }
        return [.menuChanged(menuID: command.menuID, categoryID: nil, action: "deleted")]
    }
}
