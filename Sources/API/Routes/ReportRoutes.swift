import Foundation
import HTTPTypes
import Hummingbird
import TableOrderAuth
import TableOrderCore

/// The store's settings and its sales report (contract v1.1 §7). Reports read the replica
/// (`DATABASE_READ_URL`) when one is configured.
struct ReportRoutes: Sendable {
    let deps: Dependencies

    /// The longest range a report covers, in days (both ends included).
    static let maximumDays = 366
    static let nameLimit = Limit.text("name", 1...100)

    struct StoreChange: Decodable {
        var name: String?
        var timezone: String?
    }

    func register(on router: RouteTable) {
        router.get("/api/admin/reports/sales") { request, context in try await sales(request, context) }
        router.put("/api/admin/store") { request, context in try await updateStore(request, context) }
    }

    func updateStore(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let body = try await RequestBodyReader.decode(StoreChange.self, from: request)
        guard body.name != nil || body.timezone != nil else { throw ServiceError.validation("name, timezone: send at least one") }
        if let name = body.name { try MenuAdminRoutes.checkName(name) }
        if let zone = body.timezone { _ = try Self.timeZone(zone, field: "timezone") }
        let identity = try WriteIdentity(request, claims: claims, action: "store")
        try await deps.commands.send(
            .updateStore(UpdateStore(storeID: claims.storeID, name: body.name, timeZone: body.timezone)), id: identity.commandID)
        return try Accepted.response(id: claims.storeID, location: nil)
    }

    func sales(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let claims = try context.require(.admin)
        let query = request.uri.queryParameters
        let grouping = query.get("by").map { String($0) } ?? "day"
        guard let by = SalesCSV.Grouping(rawValue: grouping) else { throw ServiceError.validation("by: one of day, hour, item") }
        let csv: SalesCSV.Grouping?
        switch query.get("format").map({ String($0) }) {
        case nil, "json": csv = nil
        case "csv": csv = by
        default: throw ServiceError.validation("format: json or csv")
        }
        guard let zoneName = try await deps.replica.storeTimeZone(storeID: claims.storeID) else {
            throw ServiceError.notFound("store \(claims.storeID) not found")
        }
        let timeZone = try Self.timeZone(zoneName, field: "the store's timezone")
        let today = timeZone.local(Date()).date
        // Both absent: today. `from` alone: from then through today. `to` alone: that day.
        let givenTo = try Self.date(query.get("to"), field: "to")
        let from = try Self.date(query.get("from"), field: "from") ?? givenTo ?? today
        let to = givenTo ?? today
        guard from <= to else { throw ServiceError.validation("from: not after to") }
        guard to.daysSinceEpoch - from.daysSinceEpoch < Self.maximumDays else {
            throw ServiceError.validation("from, to: at most \(Self.maximumDays) days")
        }
        let figures = try await deps.replica.salesFigures(
            storeID: claims.storeID, start: timeZone.start(of: from), end: timeZone.start(of: to.adding(days: 1)),
            timeZone: timeZone)
        let report = SalesReport(figures: figures, from: from, to: to, timeZone: timeZone)
        guard let csv else { return try .json(report) }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"sales-\(claims.storeID)-\(report.from)-\(report.to).csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: SalesCSV.render(report, by: csv))))
    }

    static func date(_ text: String?, field: String) throws -> CivilDate? {
        guard let text else { return nil }
        guard let date = CivilDate(text) else { throw ServiceError.validation("\(field): a date as YYYY-MM-DD") }
        return date
    }

    /// An IANA zone name the system knows (`Asia/Seoul`); not an abbreviation or an offset.
    static func timeZone(_ name: String, field: String) throws -> TimeZone {
        guard name.utf8.count <= 64, name.contains("/") || name == "UTC", let zone = TimeZone(identifier: name) else {
            throw ServiceError.validation("\(field): an IANA time zone name such as Asia/Seoul")
        }
        return zone
    }
}

/// The report as CSV, one table per grouping, with a header row. Names are quoted as RFC 4180 says, and a
/// name a spreadsheet would take for a formula (`=`, `+`, `-`, `@`) is prefixed with `'`.
enum SalesCSV {
    enum Grouping: String { case day, hour, item }

    static func render(_ report: SalesReport, by grouping: Grouping) -> String {
        var lines: [String]
        switch grouping {
        case .day: lines = ["date,orders,revenue"] + report.days.map { "\($0.date),\($0.orders),\($0.revenue)" }
        case .hour: lines = ["hour,orders,revenue"] + report.hours.map { "\($0.hour),\($0.orders),\($0.revenue)" }
        case .item:
            lines = ["menu_id,name,quantity,revenue"]
                + report.items.map { "\($0.menuID),\(field($0.name)),\($0.quantity),\($0.revenue)" }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
