import Foundation
@testable import TableOrderCore
import Testing

@Suite struct WireFormatTests {
    let order = Order(
        orderID: "o", storeID: "s", tableID: "t", tableNumber: 3, sessionID: "x", status: .pending,
        items: [OrderItem(itemID: "i", menuID: "m", name: "Bibimbap", unitPrice: 1000, quantity: 3)], totalAmount: 3000, note: nil,
        createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", deletedAt: nil)

    static let commands: [Command] = [
        .createOrder(
            CreateOrder(
                orderID: "o", storeID: "s", tableID: "t", lines: [.init(menuID: "m", quantity: 2)], note: "n",
                requestHash: "h", requestedAt: "2026-01-01T00:00:00.000Z")),
        .changeOrderStatus(ChangeOrderStatus(orderID: "o", storeID: "s", from: .pending, to: .preparing)),
        .deleteOrder(DeleteOrder(orderID: "o", storeID: "s")),
        .createCategory(CreateCategory(categoryID: "c", storeID: "s", name: "Drinks", sortOrder: 2)),
        .createMenu(
            CreateMenu(
                menuID: "m", storeID: "s", categoryID: "c", name: "Tea", price: 2000, description: nil, imageURL: "u",
                isAvailable: true, sortOrder: 1)),
        .updateMenu(UpdateMenu(menuID: "m", storeID: "s", price: 2500)),
        .deleteMenu(DeleteMenu(menuID: "m", storeID: "s")),
        .upsertTable(UpsertTable(tableID: "t", storeID: "s", tableNumber: 7, passwordHash: "scrypt$…")),
        .completeSession(CompleteSession(tableID: "t", storeID: "s")),
    ]

    @Test(arguments: commands)
    func commandEnvelopeRoundTrip(command: Command) throws {
        let envelope = CommandEnvelope(id: "8f0e…", issuedAt: "2026-01-01T00:00:00.000Z", command: command)
        let bytes = try JSON.encode(envelope)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect(object?["type"] as? String == command.typeName)
        #expect(object?["command_id"] as? String == "8f0e…")
        #expect(object?["body"] is [String: Any])
        #expect(try JSON.decode(CommandEnvelope.self, from: bytes) == envelope)
        #expect(command.storeID == "s")
    }

    @Test func unknownCommandsDoNotDecode() {
        #expect(throws: DecodingError.self) {
            try JSON.decode(CommandEnvelope.self, from: Array(#"{"command_id":"x","issued_at":"t","type":"x","body":{}}"#.utf8))
        }
    }

    @Test func everyEventKindHasTheContractFields() throws {
        let cases: [(EventBody, String, Set<String>)] = [
            (.orderStatusChanged(orderID: "o", tableID: "t", from: .pending, to: .preparing), "order_status_changed",
             ["order_id", "table_id", "from", "to"]),
            (.orderStatusRejected(orderID: "o", requested: "completed", current: .cancelled), "order_status_rejected",
             ["order_id", "requested", "current"]),
            (.orderDeleted(orderID: "o", tableID: "t"), "order_deleted", ["order_id", "table_id"]),
            (.tableSessionCompleted(tableID: "t", sessionID: "x", totalAmount: 9), "table_session_completed",
             ["table_id", "session_id", "total_amount"]),
            (.menuChanged(menuID: "m", categoryID: nil, action: "deleted"), "menu_changed", ["menu_id", "action"]),
            (.menuChanged(menuID: nil, categoryID: "c", action: "created"), "menu_changed", ["category_id", "action"]),
            // v1.1 (`table_id` on `order_created` and `call_created`, and `order` on `order_rejected`, are additions)
            (.orderCreated(order), "order_created", ["order", "table_id"]),
            (.orderRejected(order), "order_rejected", ["order_id", "table_id", "reason", "order"]),
            (.orderItemsCancelled(orderID: "o", tableID: "t", itemID: "i", quantity: 1, totalAmount: 5),
             "order_items_cancelled", ["order_id", "table_id", "item_id", "quantity", "total_amount"]),
            (.callCreated(StaffCall(
                callID: "c", storeID: "s", tableID: "t", tableNumber: 1, type: .water, note: nil, status: .open,
                createdAt: "x", updatedAt: "x")), "call_created", ["call", "table_id"]),
            (.callUpdated(callID: "c", tableID: "t", from: .open, to: .resolved), "call_updated",
             ["call_id", "table_id", "from", "to"]),
        ]
        for (body, type, extras) in cases {
            let event = try body.makeEvent(storeID: "s", id: 3, occurredAt: "2026-01-01T00:00:00.000Z")
            let object = try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as! [String: Any]
            #expect(Set(object.keys) == extras.union(["type", "store_id", "event_id", "occurred_at"]))
            #expect(object["type"] as? String == type && event.type == type)
            #expect(object["event_id"] as? Int == 3)
        }
    }

    @Test func orderJSONHasEveryContractKeyWithNulls() throws {
        let object = try JSONSerialization.jsonObject(with: Data(try JSON.encode(order))) as! [String: Any]
        let keys: Set<String> = [
            "order_id", "store_id", "table_id", "table_number", "session_id", "status", "items", "total_amount",
            "note", "created_at", "updated_at", "deleted_at", "reject_reason",  // v1.1 adds the last
        ]
        #expect(Set(object.keys) == keys)
        #expect(object["note"] is NSNull)
        #expect(object["deleted_at"] is NSNull)
        #expect(object["reject_reason"] is NSNull)
        let item = (object["items"] as! [[String: Any]])[0]
        #expect(
            Set(item.keys) == [
                "menu_id", "name", "unit_price", "quantity", "subtotal", "item_id", "options", "cancelled_quantity",
            ])
        #expect(item["subtotal"] as? Int == 3000)
        #expect(item["cancelled_quantity"] as? Int == 0)
        #expect((item["options"] as? [Any])?.isEmpty == true)
    }

    @Test func eventFramingIsOneLineOfJSON() throws {
        let event = try EventBody.orderCreated(order).makeEvent(storeID: "s", id: 42, occurredAt: "2026-01-01T00:00:00.000Z")
        #expect(event.type == "order_created")
        #expect(event.routingKey == "order.created")
        #expect(!event.data.contains("\n"))
        #expect(event.sseFrame.hasPrefix("id: 42\nevent: order_created\ndata: {"))
        #expect(event.sseFrame.hasSuffix("}\n\n"))
        let header = try #require(EventHeader.parse(event.data))
        #expect(header.eventID == 42 && header.storeID == "s" && header.type == "order_created")
        let data = try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as! [String: Any]
        #expect((data["order"] as? [String: Any])?["total_amount"] as? Int == 3000)
        // A note with a newline stays on one line.
        var noted = order
        noted.note = "line1\nline2"
        let other = try EventBody.orderCreated(noted).makeEvent(storeID: "s", id: 1, occurredAt: "t")
        #expect(!other.data.contains("\n"))
    }

    @Test func timestampsAreRFC3339UTC() {
        let text = Timestamp.string(Date(timeIntervalSince1970: 0.5))
        #expect(text == "1970-01-01T00:00:00.500Z")
        #expect(Timestamp.day("2026-02-03") != nil)
        #expect(Timestamp.day("2026-2-3") == nil)
    }

    /// `now()` is written by the C library: the contract's form, and the instant Foundation reads back.
    @Test func nowHasTheSameFormAsAnyOtherTimestamp() throws {
        let before = Date()
        let now = Timestamp.now()
        let after = Date()
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        let parsed = try style.parse(now)
        #expect(now.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
        #expect(now.count == Timestamp.string(before).count)
        #expect(parsed >= before.addingTimeInterval(-0.002) && parsed <= after.addingTimeInterval(0.001))
    }

    /// The C library's text is Foundation's `ISO8601FormatStyle` text, to the millisecond: stored rows read
    /// back (microseconds from PostgreSQL), year and leap-day boundaries, random instants.
    @Test func stringIsFoundationsISO8601Text() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        var instants: [Double] = [0, 0.999_999, 951_782_400.123_456, 1_767_225_599.999_9, 4_102_444_800.001]
        instants += (0..<2_000).map { _ in Double(Int.random(in: 0..<4_000_000_000)) + Double(Int.random(in: 0..<1_000_000)) / 1e6 }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(Timestamp.string(date) == date.formatted(style), "\(instant)")
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let settings = try Settings(environment: [:])
        #expect(settings.mode == .development)
        #expect(settings.httpHost == "127.0.0.1" && settings.httpPort == 8080)
        #expect(settings.rateLimit == 100 && settings.rateLimitWindowSeconds == 60)
        #expect(settings.cacheTTLSeconds == 300 && settings.menuCacheTTLSeconds == 600)
        #expect(settings.sseHeartbeatSeconds == 30 && settings.jwtIssuer == "tableorder")
    }

    @Test(arguments: [
        (["ENV": "staging"], "ENV"), (["HTTP_PORT": "x"], "HTTP_PORT"), (["HTTP_PORT": "70000"], "HTTP_PORT"),
        (["RATE_LIMIT": "0"], "RATE_LIMIT"), (["DATABASE_URL": "mysql://x"], "DATABASE_URL"),
        (["REDIS_URL": "redis://"], "REDIS_URL"), (["RABBITMQ_URL": "http://h"], "RABBITMQ_URL"),
        (["LOG_LEVEL": "loud"], "LOG_LEVEL"), (["SSE_HEARTBEAT_SECONDS": "-1"], "SSE_HEARTBEAT_SECONDS"),
    ])
    func invalidValuesNameTheVariable(environment: [String: String], variable: String) {
        do {
            _ = try Settings(environment: environment)
            Issue.record("accepted \(environment)")
        } catch let error as ConfigurationError {
            #expect(error.variable == variable)
            #expect(error.description.contains(variable) && !error.description.contains("\n"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func productionNeedsTheThreeServices() throws {
        let settings = try Settings(environment: ["ENV": "production", "DATABASE_URL": "postgres://u@h/db"])
        #expect(throws: ConfigurationError.self) { try settings.requireServices() }
        do {
            _ = try settings.requireServices()
        } catch let error as ConfigurationError {
            #expect(error.variable == "REDIS_URL")
        }
    }

    @Test func serviceURLs() throws {
        let amqp = try AMQPURL(parsing: "amqp://u:p@h:1234/vh")
        #expect(amqp == AMQPURL(host: "h", port: 1234, user: "u", password: "p", vhost: "vh"))
        #expect(try AMQPURL(parsing: "amqp://h").vhost == "/")
        #expect(try AMQPURL(parsing: "amqp://h/%2f").vhost == "/")
        let redis = try RedisURL(parsing: "redis://:pw@h:7/2")
        #expect(redis == RedisURL(host: "h", port: 7, password: "pw", database: 2))
        let pg = try PostgresURL(parsing: "postgres://u:p@h:9/db")
        #expect(pg.host == "h" && pg.port == 9 && pg.user == "u" && pg.password == "p" && pg.database == "db")
        #expect(throws: ConfigurationError.self) { try PostgresURL(parsing: "postgres://u@h") }
    }

    @Test func publishRetryPolicyUsesThreeAttemptsInsideTheBudget() async {
        // A budget far above any scheduling stall of a busy test machine: what is checked is the split, not speed.
        let policy = PublishRetryPolicy(attempts: 3, budget: .seconds(30), firstBackoff: .milliseconds(20))
        let attempts = AttemptCounter()
        let start = ContinuousClock.now
        do {
            _ = try await policy.run { timeout -> Int in
                let end = ContinuousClock.now + timeout  // measured before any suspension
                await attempts.record(timeout, end: end)
                throw ServiceError.unavailable("down")
            }
            Issue.record("should have failed")
        } catch {}
        let timeouts = await attempts.timeouts
        #expect(timeouts.count == 3)
        // No attempt may run past the budget, and none may take it all.
        #expect(await attempts.ends.allSatisfy { $0 <= start + .seconds(30) + .milliseconds(5) })
        #expect(timeouts[0] <= .seconds(10), "the first attempt gets a third of the budget, not all of it")
        let succeeds = try? await policy.run { _ in 7 }
        #expect(succeeds == 7)
    }
}

actor AttemptCounter {
    var timeouts: [Duration] = []
    var ends: [ContinuousClock.Instant] = []
    func record(_ timeout: Duration, end: ContinuousClock.Instant) {
        timeouts.append(timeout)
        ends.append(end)
    }
}
