import NIOConcurrencyHelpers
import TableOrderCore

/// The last decoded menu of each store, reused while the cached JSON it came from is unchanged.
///
/// Every order is checked against its store's menu, read cache-aside as JSON; decoding that JSON was
/// the largest single cost of `POST /api/orders`. The memo is keyed by the exact bytes, so it can never
/// be staler than the cache itself: a changed menu is different bytes and is decoded afresh.
final class DecodedMenus: Sendable {
    private struct Entry {
        var json: [UInt8]
        var menu: StoreMenu
    }

    private let entries = NIOLockedValueBox([String: Entry]())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func menu(storeID: String, json: [UInt8]) throws -> StoreMenu {
        if let entry = entries.withLockedValue({ $0[storeID] }), entry.json == json { return entry.menu }
        let menu = try JSON.decode(StoreMenu.self, from: json)
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[storeID] = Entry(json: json, menu: menu)
        }
        return menu
    }
}
