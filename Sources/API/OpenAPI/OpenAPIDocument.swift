import TableOrderCore

/// The OpenAPI 3 description of the contract (`GET /openapi.json`). Its limits are the validators' own
/// (`Limits`); `OpenAPITests` checks its paths and methods against the routes the API registers, and
/// `DocumentedLimitsTests` sends the values at and past every limit it states.
enum OpenAPIDocument {
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    /// A property bounded by one of the contract's `Limits`: the validators check the same value.
    static func bounded(_ limit: Limit, items: JSONValue? = nil) -> (String, JSONValue) {
        let low = JSONValue.int(limit.range.lowerBound), high = JSONValue.int(limit.range.upperBound)
        switch limit.measure {
        case .value: return (limit.field, ["type": "integer", "minimum": low, "maximum": high])
        case .characters: return (limit.field, ["type": "string", "minLength": low, "maxLength": high])
        case .items: return (limit.field, ["type": "array", "minItems": low, "maxItems": high, "items": items ?? [:]])
        }
    }
    static let nullableString: JSONValue = ["type": "string", "nullable": true]
    static let errorResponse: JSONValue = [
        "description": "error", "content": ["application/json": ["schema": ref("Error")]],
    ]

    static func object(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "object"), ("properties", .object(properties))]
        if !required.isEmpty { pairs.append(("required", .array(required.map { .string($0) }))) }
        return .object(pairs)
    }

    static func json(_ schema: JSONValue) -> JSONValue { ["application/json": ["schema": schema]] }

    static func operation(
        _ summary: String, auth: String? = nil, parameters: [JSONValue] = [], body: JSONValue? = nil,
        ok: (code: String, schema: JSONValue?, type: String), also: [(type: String, schema: JSONValue)] = [],
        errors: [String]
    ) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("summary", .string(summary))]
        if let auth { pairs.append(("security", [["bearer": []]])); pairs.append(("x-role", .string(auth))) }
        var allParameters = parameters
        if ok.code == "202" {  // every write answered 202 takes one (`WriteIdentity`); nothing else reads it
            allParameters.append([
                "name": "Idempotency-Key", "in": "header", "required": false, "schema": bounded(Limits.idempotencyKey).1,
            ])
        }
        if !allParameters.isEmpty { pairs.append(("parameters", .array(allParameters))) }
        if let body { pairs.append(("requestBody", ["required": true, "content": json(body)])) }
        var responses: [(String, JSONValue)] = []
        var success: [(String, JSONValue)] = [("description", "success")]
        if let schema = ok.schema {
            let media: [(String, JSONValue)] = ([(ok.type, schema)] + also.map { ($0.type, $0.schema) }).map { type, schema in
                (type, JSONValue.object([("schema", schema)]))
            }
            success.append(("content", .object(media)))
        }
        responses.append((ok.code, .object(success)))
        for code in errors { responses.append((code, errorResponse)) }
        pairs.append(("responses", .object(responses)))
        return .object(pairs)
    }

    static func path(_ name: String, _ schema: JSONValue = uuid) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": schema]
    }

    static let document: JSONValue = [
        "openapi": "3.0.3",
        "info": ["title": "Table Order API", "version": "1.1.0"],
        "components": [
            "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
            "schemas": schemas,
        ],
        "paths": paths.appending(pagePaths),
    ]

    static let schemas: JSONValue = [
        "Error": object(
            [("error", object([("code", ["type": "string"]), ("message", ["type": "string"])], required: ["code", "message"]))],
            required: ["error"]),
        "Token": object(
            [("access_token", ["type": "string"]), ("token_type", ["type": "string"]), ("expires_in", ["type": "integer"])],
            required: ["access_token", "token_type", "expires_in"]),
        "Accepted": object([("id", ["type": "string"]), ("status", ["type": "string"])], required: ["id", "status"]),
        "OrderAccepted": object(
            [("order_id", uuid), ("status", ["type": "string"])], required: ["order_id", "status"]),
        "OrderItem": object([
            ("item_id", uuid), ("menu_id", uuid), ("name", ["type": "string"]), ("unit_price", ["type": "integer"]),
            ("quantity", ["type": "integer"]), ("subtotal", ["type": "integer"]),
            ("options", ["type": "array", "items": object([
                ("option_id", uuid), ("group_id", uuid), ("group_name", ["type": "string"]), ("name", ["type": "string"]),
                ("price_delta", ["type": "integer"]),
            ])]),
            ("cancelled_quantity", ["type": "integer"]),
        ]),
        "Order": object([
            ("order_id", uuid), ("store_id", ["type": "string"]), ("table_id", uuid), ("table_number", ["type": "integer"]),
            ("session_id", uuid), ("status", orderStatus),
            ("items", ["type": "array", "items": ref("OrderItem")]), ("total_amount", ["type": "integer"]),
            ("note", nullableString), ("created_at", timestamp), ("updated_at", timestamp),
            ("deleted_at", ["type": "string", "format": "date-time", "nullable": true]),
            ("reject_reason", [
                "type": "object", "nullable": true, "required": ["code", "menu_id"],
                "properties": .object([
                    ("code", ["type": "string", "enum": ["SOLD_OUT", "MENU_UNAVAILABLE", "OPTION_UNAVAILABLE"]]),
                    ("menu_id", uuid), ("option_id", uuid),
                ]),
            ]),
        ]),
        "Translations": [
            "type": "object", "maxProperties": .int(Limits.translations.range.upperBound),
            "additionalProperties": object(
                [("name", ["type": "string"]), ("description", ["type": "string"])], required: ["name"]),
        ],
        "OptionGroup": object([
            ("id", uuid), ("name", ["type": "string"]), ("min_select", ["type": "integer"]), ("max_select", ["type": "integer"]),
            ("sort_order", ["type": "integer"]), ("translations", ref("Translations")),
            ("options", ["type": "array", "items": object([
                ("id", uuid), ("name", ["type": "string"]), ("price_delta", ["type": "integer"]),
                ("is_available", ["type": "boolean"]), ("translations", ref("Translations")),
            ])]),
        ]),
        "StoreMenu": object([
            ("store_id", ["type": "string"]),
            ("categories", ["type": "array", "items": object([
                ("id", uuid), ("name", ["type": "string"]), ("sort_order", ["type": "integer"]),
                ("translations", ref("Translations")),
            ])]),
            ("menus", ["type": "array", "items": object([
                ("id", uuid), ("category_id", uuid), ("name", ["type": "string"]), ("price", ["type": "integer"]),
                ("description", nullableString), ("image_url", nullableString), ("is_available", ["type": "boolean"]),
                ("sort_order", ["type": "integer"]), ("option_groups", ["type": "array", "items": ref("OptionGroup")]),
                ("stock", ["type": "integer", "nullable": true]), ("translations", ref("Translations")),
            ])]),
        ]),
        "AdminOrders": object([
            ("last_event_id", ["type": "integer"]),
            ("tables", ["type": "array", "items": object([
                ("table_id", uuid), ("table_number", ["type": "integer"]), ("total_amount", ["type": "integer"]),
                ("orders", ["type": "array", "items": ref("Order")]),
            ])]),
        ]),
        "Tables": object([
            ("tables", ["type": "array", "items": object([
                ("table_id", uuid), ("table_number", ["type": "integer"]),
                ("session_id", ["type": "string", "format": "uuid", "nullable": true]), ("total_amount", ["type": "integer"]),
            ])]),
        ]),
        "History": object([
            ("sessions", ["type": "array", "items": object([
                ("session_id", uuid), ("started_at", timestamp), ("ended_at", timestamp), ("total_amount", ["type": "integer"]),
                ("orders", ["type": "array", "items": ref("Order")]),
            ])]),
        ]),
        "SalesReport": object([
            ("from", ["type": "string", "format": "date"]), ("to", ["type": "string", "format": "date"]),
            ("timezone", ["type": "string"]),
            ("totals", object([
                ("orders", ["type": "integer"]), ("revenue", ["type": "integer"]), ("cancelled_orders", ["type": "integer"]),
                ("rejected_orders", ["type": "integer"]),
            ])),
            ("days", ["type": "array", "items": object([
                ("date", ["type": "string", "format": "date"]), ("orders", ["type": "integer"]), ("revenue", ["type": "integer"]),
            ])]),
            ("hours", ["type": "array", "items": object([
                ("hour", ["type": "integer"]), ("orders", ["type": "integer"]), ("revenue", ["type": "integer"]),
            ])]),
            ("items", ["type": "array", "items": object([
                ("menu_id", uuid), ("name", ["type": "string"]), ("quantity", ["type": "integer"]), ("revenue", ["type": "integer"]),
            ])]),
        ]),
        "Calls": object([
            ("calls", ["type": "array", "items": object([
                ("call_id", uuid), ("store_id", ["type": "string"]), ("table_id", uuid), ("table_number", ["type": "integer"]),
                ("type", ["type": "string", "enum": .array(CallType.allCases.map { .string($0.rawValue) })]),
                ("note", nullableString),
                ("status", ["type": "string", "enum": .array(CallStatus.allCases.map { .string($0.rawValue) })]),
                ("created_at", timestamp), ("updated_at", timestamp),
            ])]),
        ]),
        "MenuFields": object([
            ("category_id", uuid), bounded(Limits.name), bounded(Limits.price), bounded(Limits.description),
            bounded(Limits.imageURL), ("is_available", ["type": "boolean"]), bounded(Limits.sortOrder),
            bounded(Limits.optionGroups, items: ref("OptionGroupFields")), ("translations", ref("Translations")),
        ]),
        // A group as a request sends it: `min_select ≤ max_select ≤ len(options)` is checked beyond the bounds
        // stated here.
        "OptionGroupFields": object(
            [
                ("id", uuid), bounded(Limits.optionName), ("min_select", ["type": "integer", "minimum": .int(Limits.minSelect.range.lowerBound)]),
                ("max_select", ["type": "integer", "minimum": .int(Limits.maxSelect.range.lowerBound)]), bounded(Limits.sortOrder),
                ("translations", ref("Translations")),
                bounded(
                    Limits.groupOptions,
                    items: object(
                        [
                            ("id", uuid), bounded(Limits.optionName), bounded(Limits.priceDelta),
                            ("is_available", ["type": "boolean"]), ("translations", ref("Translations")),
                        ], required: ["name", "price_delta"])),
            ], required: ["name", "min_select", "max_select", "options"]),
    ]

    /// One event of a stream, as OpenAPI 3.2 describes `text/event-stream` (and schema checkers parse it):
    /// its `id`, its `event` type, and `data`, one line of JSON (contract §8).
    static let sseEvent: JSONValue = object(
        [
            ("id", ["type": "string"]), ("event", ["type": "string"]),
            ("data", ["type": "string", "contentMediaType": "application/json"]), ("retry", ["type": "integer"]),
        ], required: ["data"])

    /// One to three call statuses, comma-separated.
    static let callStatuses: String = {
        let one = "(" + CallStatus.allCases.map(\.rawValue).joined(separator: "|") + ")"
        return "^\(one)(,\(one)){0,2}$"
    }()

    static let orderStatus: JSONValue = [
        "type": "string", "enum": .array(OrderStatus.allCases.map { .string($0.rawValue) }),
    ]

    static let eventID: JSONValue = ["type": "integer", "minimum": 0, "maximum": .int(Int(StreamRoutes.maximumEventID))]
    static let storeID: JSONValue = ["type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,31}$"]
    static let write = ["400", "401", "403", "413", "415", "429", "503"]

    static let paths: JSONValue = [
        "/api/auth/admin/login": [
            "post": operation(
                "Admin login", body: object([("store_id", storeID), bounded(Limits.username), ("password", ["type": "string"])],
                required: ["store_id", "username", "password"]),
                ok: ("200", ref("Token"), "application/json"), errors: ["400", "401", "413", "415", "429"])
        ],
        "/api/auth/table/login": [
            "post": operation(
                "Table login", body: object([("store_id", storeID), bounded(Limits.tableNumber), ("password", ["type": "string"])],
                required: ["store_id", "table_number", "password"]),
                ok: ("200", ref("Token"), "application/json"), errors: ["400", "401", "413", "415", "429"])
        ],
        "/api/auth/logout": [
            "post": operation(
                "End this token (revoked on every pod until it would have expired)", auth: "table or admin",
                ok: ("204", nil, "application/json"), errors: ["401", "429", "503"])
        ],
        "/api/admin/password": [
            "put": operation(
                "Change the admin's password (revokes every older token of the admin)", auth: "admin",
                body: object(
                    [("current_password", ["type": "string"]), bounded(Limits.newPassword)],
                    required: ["current_password", "new_password"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write)
        ],
        "/api/stores/{store_id}/menus": [
            "get": operation(
                "A store's menu", parameters: [path("store_id", storeID)], ok: ("200", ref("StoreMenu"), "application/json"),
                errors: ["404"])
        ],
        "/api/admin/categories": [
            "post": operation(
                "Create a category", auth: "admin",
                body: object(
                    [bounded(Limits.name), bounded(Limits.sortOrder), ("translations", ref("Translations"))], required: ["name"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write)
        ],
        "/api/admin/menus": [
            "post": operation(
                "Create a menu", auth: "admin",
                body: ["allOf": [ref("MenuFields"), ["required": ["category_id", "name", "price"]]]],
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404"])
        ],
        "/api/admin/menus/{menu_id}": [
            "put": operation(
                "Change a menu", auth: "admin", parameters: [path("menu_id")], body: ref("MenuFields"),
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404"]),
            "delete": operation(
                "Delete a menu", auth: "admin", parameters: [path("menu_id")],
                ok: ("202", ref("Accepted"), "application/json"), errors: ["400", "401", "403", "404", "429", "503"]),
        ],
        "/api/admin/menus/{menu_id}/availability": [
            "patch": operation(
                "The sold-out switch and the restock (v1.1)", auth: "admin", parameters: [path("menu_id")],
                body: [
                    "type": "object", "anyOf": [["required": ["is_available"]], ["required": ["stock"]]],
                    "properties": .object([
                        ("is_available", ["type": "boolean"]),
                        ("stock", [
                            "type": "integer", "nullable": true, "minimum": .int(Limits.stock.range.lowerBound),
                            "maximum": .int(Limits.stock.range.upperBound),
                        ]),
                    ]),
                ],
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404"])
        ],
        "/api/admin/categories/{category_id}": [
            "put": operation(
                "Rename or re-sort a category (v1.1)", auth: "admin", parameters: [path("category_id")],
                body: object([bounded(Limits.name), bounded(Limits.sortOrder), ("translations", ref("Translations"))]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404"]),
            "delete": operation(
                "Delete a category that holds no menu (v1.1)", auth: "admin", parameters: [path("category_id")],
                ok: ("202", ref("Accepted"), "application/json"), errors: ["400", "401", "403", "404", "409", "429", "503"]),
        ],
        "/api/orders": [
            "post": operation(
                "Place an order", auth: "table",
                body: object(
                    [
                        bounded(
                            Limits.orderLines,
                            items: object(
                                [
                                    ("menu_id", uuid), bounded(Limits.quantity),
                                    bounded(Limits.lineOptions, items: uuid),
                                ], required: ["menu_id", "quantity"])),
                        bounded(Limits.note),
                    ], required: ["items"]),
                ok: ("202", ref("OrderAccepted"), "application/json"), errors: write + ["404", "422"])
        ],
        "/api/orders/{order_id}": [
            "get": operation(
                "An order", auth: "table or admin", parameters: [path("order_id")],
                ok: ("200", ref("Order"), "application/json"), errors: ["401", "404", "429"])
        ],
        "/api/table/orders": [
            "get": operation(
                "The table's current session", auth: "table",
                ok: ("200", object([("orders", ["type": "array", "items": ref("Order")])]), "application/json"),
                errors: ["401", "403", "429"])
        ],
        "/api/admin/orders": [
            "get": operation(
                "The store's current sessions", auth: "admin",
                parameters: [["name": "status", "in": "query", "required": false, "schema": orderStatus]],
                ok: ("200", ref("AdminOrders"), "application/json"), errors: ["400", "401", "403", "429"])
        ],
        "/api/admin/orders/{order_id}/status": [
            "patch": operation(
                "Move an order", auth: "admin", parameters: [path("order_id")],
                body: object([("status", orderStatus)], required: ["status"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404", "409"])
        ],
        "/api/admin/orders/{order_id}/items/{item_id}/cancel": [
            "post": operation(
                "Cancel portions of an order's line (v1.1)", auth: "admin", parameters: [path("order_id"), path("item_id")],
                body: object([bounded(Limits.quantity)], required: ["quantity"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404", "409"])
        ],
        "/api/admin/orders/{order_id}": [
            "delete": operation(
                "Delete an order", auth: "admin", parameters: [path("order_id")],
                ok: ("202", ref("Accepted"), "application/json"), errors: ["400", "401", "403", "404", "429", "503"])
        ],
        "/api/admin/orders/stream": [
            "get": operation(
                "Live events (SSE)", auth: "admin",
                parameters: [
                    ["name": "Last-Event-ID", "in": "header", "required": false, "schema": eventID],
                    ["name": "last_event_id", "in": "query", "required": false, "schema": eventID],
                ],
                ok: ("200", sseEvent, "text/event-stream"), errors: ["400", "401", "403", "429", "503"])
        ],
        "/api/table/stream": [
            "get": operation(
                "The table's live events (SSE, v1.1): its orders and calls, and the store's menu_changed", auth: "table",
                parameters: [
                    ["name": "Last-Event-ID", "in": "header", "required": false, "schema": eventID],
                    ["name": "last_event_id", "in": "query", "required": false, "schema": eventID],
                ],
                ok: ("200", sseEvent, "text/event-stream"), errors: ["400", "401", "403", "429", "503"])
        ],
        "/api/table/calls": [
            "post": operation(
                "Call staff (v1.1); asking again while a call of the type is open answers that call's id",
                auth: "table",
                body: object(
                    [("type", ["type": "string", "enum": .array(CallType.allCases.map { .string($0.rawValue) })]), bounded(Limits.callNote)],
                    required: ["type"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write),
            "get": operation(
                "The table's calls not yet resolved (v1.1)", auth: "table", ok: ("200", ref("Calls"), "application/json"),
                errors: ["401", "403", "429"]),
        ],
        "/api/admin/calls": [
            "get": operation(
                "The store's calls (v1.1); resolved ones of the last 24 h", auth: "admin",
                parameters: [[
                    "name": "status", "in": "query", "required": false,
                    "description": "comma-separated; default open,acknowledged",
                    "schema": ["type": "string", "pattern": .string(callStatuses)],
                ]],
                ok: ("200", ref("Calls"), "application/json"), errors: ["400", "401", "403", "429"])
        ],
        "/api/admin/calls/{call_id}": [
            "patch": operation(
                "Acknowledge or resolve a call (v1.1)", auth: "admin", parameters: [path("call_id")],
                body: object([("status", ["type": "string", "enum": ["acknowledged", "resolved"]])], required: ["status"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write + ["404", "409"])
        ],
        "/api/admin/store": [
            "put": operation(
                "Rename the store or set its time zone (v1.1)", auth: "admin",
                body: [
                    "type": "object", "anyOf": [["required": ["name"]], ["required": ["timezone"]]],
                    "properties": .object([
                        bounded(Limits.name), ("timezone", ["type": "string", "description": "an IANA name, e.g. Asia/Seoul"]),
                    ]),
                ],
                ok: ("202", ref("Accepted"), "application/json"), errors: write)
        ],
        "/api/admin/reports/sales": [
            "get": operation(
                "Sales by store-local day, hour and item (v1.1); ?format=csv&by=day|hour|item for CSV", auth: "admin",
                parameters: [
                    ["name": "from", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                    ["name": "to", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                    ["name": "format", "in": "query", "required": false, "schema": ["type": "string", "enum": ["json", "csv"]]],
                    ["name": "by", "in": "query", "required": false, "schema": ["type": "string", "enum": ["day", "hour", "item"]]],
                ],
                ok: ("200", ref("SalesReport"), "application/json"), also: [("text/csv; charset=utf-8", ["type": "string"])],
                errors: ["400", "401", "403", "404", "429", "503"])
        ],
        "/api/admin/tables": [
            "get": operation(
                "The store's tables", auth: "admin", ok: ("200", ref("Tables"), "application/json"),
                errors: ["401", "403", "429"]),
            "post": operation(
                "Create a table or reset its password", auth: "admin",
                body: object([bounded(Limits.tableNumber), bounded(Limits.tablePassword)], required: ["table_number", "password"]),
                ok: ("202", ref("Accepted"), "application/json"), errors: write),
        ],
        "/api/admin/tables/{table_id}/complete": [
            "post": operation(
                "End the table's session", auth: "admin", parameters: [path("table_id")],
                ok: ("202", ref("Accepted"), "application/json"), errors: ["400", "401", "403", "404", "409", "429", "503"])
        ],
        "/api/admin/tables/{table_id}/history": [
            "get": operation(
                "The table's past sessions", auth: "admin",
                parameters: [
                    path("table_id"),
                    ["name": "from", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                    ["name": "to", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                ],
                ok: ("200", ref("History"), "application/json"), errors: ["400", "401", "403", "404", "429"])
        ],
        "/healthz": ["get": operation("Liveness", ok: ("200", nil, "application/json"), errors: [])],
        "/readyz": ["get": operation("Readiness", ok: ("200", nil, "application/json"), errors: ["503"])],
        "/metrics": ["get": operation("Prometheus metrics", ok: ("200", ["type": "string"], "text/plain"), errors: [])],
        "/openapi.json": ["get": operation("This document", ok: ("200", nil, "application/json"), errors: [])],
    ]
}
