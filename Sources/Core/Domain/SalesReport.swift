import Foundation

/// `GET /api/admin/reports/sales` (contract v1.1 §7): a store's sales over store-local dates.
public struct SalesReport: Codable, Sendable, Equatable {
    public struct Totals: Codable, Sendable, Equatable {
        public var orders = 0
        public var revenue = 0
        public var cancelledOrders = 0
        public var rejectedOrders = 0

        enum CodingKeys: String, CodingKey {
            case orders, revenue, cancelledOrders = "cancelled_orders", rejectedOrders = "rejected_orders"
        }
    }

    public struct Day: Codable, Sendable, Equatable {
        public var date: String
        public var orders: Int
        public var revenue: Int
    }

    public struct Hour: Codable, Sendable, Equatable {
        public var hour: Int
        public var orders: Int
        public var revenue: Int
    }

    public struct Item: Codable, Sendable, Equatable {
        public var menuID: String
        public var name: String
        public var quantity: Int
        public var revenue: Int

        public init(menuID: String, name: String, quantity: Int, revenue: Int) {
            self.menuID = menuID
            self.name = name
            self.quantity = quantity
            self.revenue = revenue
        }

        enum CodingKeys: String, CodingKey { case menuID = "menu_id", name, quantity, revenue }
    }

    public var from: String
    public var to: String
    public var timezone: String
    public var totals: Totals
    public var days: [Day]
    public var hours: [Hour]
    public var items: [Item]
}

/// What the database adds up for a report: counted orders by local hour, the cancelled and rejected
/// ones, and the items.
public struct SalesFigures: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        /// Hours since 1970-01-01 00:00 on the store's wall clock.
        public var localHour: Int
        public var orders: Int
        public var revenue: Int

        public init(localHour: Int, orders: Int, revenue: Int) {
            self.localHour = localHour
            self.orders = orders
            self.revenue = revenue
        }
    }

    public var buckets: [Bucket]
    public var cancelledOrders: Int
    public var rejectedOrders: Int
    public var items: [SalesReport.Item]

    public init(buckets: [Bucket], cancelledOrders: Int, rejectedOrders: Int, items: [SalesReport.Item]) {
        self.buckets = buckets
        self.cancelledOrders = cancelledOrders
        self.rejectedOrders = rejectedOrders
        self.items = items
    }
}

extension SalesReport {
    /// The report of `figures` for the local dates `from...to` in `timeZone`: every date listed, zeros
    /// included, all 24 hours, items by revenue (highest first, then by name).
    public init(figures: SalesFigures, from: CivilDate, to: CivilDate, timeZone: TimeZone) {
        var days = [Int: Day]()
        for offset in 0...(to.daysSinceEpoch - from.daysSinceEpoch) {
            let date = from.adding(days: offset)
            days[date.daysSinceEpoch] = Day(date: date.description, orders: 0, revenue: 0)
        }
        var hours = (0..<24).map { Hour(hour: $0, orders: 0, revenue: 0) }
        var totals = Totals(cancelledOrders: figures.cancelledOrders, rejectedOrders: figures.rejectedOrders)
        for bucket in figures.buckets {
            let day = bucket.localHour >= 0 ? bucket.localHour / 24 : (bucket.localHour - 23) / 24
            let local = (date: CivilDate(daysSinceEpoch: day), hour: bucket.localHour - day * 24)
            guard days[local.date.daysSinceEpoch] != nil else { continue }
            days[local.date.daysSinceEpoch]!.orders += bucket.orders
            days[local.date.daysSinceEpoch]!.revenue += bucket.revenue
            hours[local.hour].orders += bucket.orders
            hours[local.hour].revenue += bucket.revenue
            totals.orders += bucket.orders
            totals.revenue += bucket.revenue
        }
        self.init(
            from: from.description, to: to.description, timezone: timeZone.identifier, totals: totals,
            days: days.keys.sorted().map { days[$0]! }, hours: hours,
            items: figures.items.sorted { ($0.revenue, $1.name) > ($1.revenue, $0.name) })
    }
}

/// A time zone's offsets over a range, in quarter hours: what a report needs to place UTC quarter hours in
/// local hours inside the database, with integer arithmetic (every zone's offset today is a whole number of
/// quarter hours). A year holds a handful of segments at most, one per change of offset.
public struct QuarterHourOffsets: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        /// The first UTC quarter hour (since 1970) the offset applies from.
        public var from: Int
        /// The offset from UTC in quarter hours.
        public var offset: Int
    }

    /// In increasing order; the first applies from the start of the range (and before it).
    public var segments: [Segment]

    public init(timeZone: TimeZone, from start: Date, to end: Date) {
        func quarters(_ seconds: Int) -> Int { seconds >= 0 ? seconds / 900 : (seconds - 899) / 900 }
        var segments = [Segment(from: Int.min, offset: quarters(timeZone.secondsFromGMT(for: start)))]
        var instant = start
        while let next = timeZone.nextDaylightSavingTimeTransition(after: instant), next < end {
            let from = quarters(Int(next.timeIntervalSince1970.rounded(.down)))
            segments.append(Segment(from: from, offset: quarters(timeZone.secondsFromGMT(for: next))))
            instant = next
        }
        self.segments = segments
    }

    /// Hours since 1970-01-01 00:00 on the local wall clock, at the UTC quarter hour `quarter`.
    public func localHour(ofQuarter quarter: Int) -> Int {
        let offset = segments.last { $0.from <= quarter }?.offset ?? segments[0].offset
        let local = quarter + offset
        return local >= 0 ? local / 4 : (local - 3) / 4
    }
}
