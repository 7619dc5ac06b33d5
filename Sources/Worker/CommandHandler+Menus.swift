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
        return [.menuChanged(menuID: command.menuID, categoryID: command.categoryID, action: "updated")]
    }

    func deleteMenu(_ command: DeleteMenu, in tx: any WriteTransaction, now: Date) async throws -> [EventBody] {
        let id = try uuid(command.menuID, "menu id")
        guard try await tx.deleteMenu(storeID: command.storeID, id: id, at: now) else { return [] }
        return [.menuChanged(menuID: command.menuID, categoryID: nil, action: "deleted")]
    }
}
