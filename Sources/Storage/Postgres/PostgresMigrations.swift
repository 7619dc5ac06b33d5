import Logging
import PostgresNIO
import TableOrderCore

/// Versioned schema migrations. Each version is a list of statements applied in one transaction
/// under an advisory lock, so several pods running `migrate` at once apply each version exactly once.
enum PostgresMigrations {
    static let lockKey: Int64 = 0x7AB1_E0DE

    static let versions: [(version: Int, statements: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE stores (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    last_event_id BIGINT NOT NULL DEFAULT 0,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """,
                """
                CREATE TABLE admins (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    username TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    UNIQUE (store_id, username))
                """,
                """
                CREATE TABLE dining_tables (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    table_number INT NOT NULL,
                    password_hash TEXT NOT NULL,
                    current_session_id UUID,
                    UNIQUE (store_id, table_number))
                """,
                """
                CREATE TABLE table_sessions (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    table_id UUID NOT NULL REFERENCES dining_tables(id),
                    started_at TIMESTAMPTZ NOT NULL,
                    ended_at TIMESTAMPTZ)
                """,
                "CREATE INDEX table_sessions_by_table ON table_sessions (table_id, started_at DESC)",
                """
                CREATE TABLE categories (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    name TEXT NOT NULL,
                    sort_order INT NOT NULL DEFAULT 0,
                    deleted_at TIMESTAMPTZ)
                """,
                """
                CREATE TABLE menus (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    category_id UUID NOT NULL REFERENCES categories(id),
                    name TEXT NOT NULL,
                    price INT NOT NULL CHECK (price >= 0),
                    description TEXT,
                    image_url TEXT,
                    is_available BOOLEAN NOT NULL DEFAULT TRUE,
                    sort_order INT NOT NULL DEFAULT 0,
                    deleted_at TIMESTAMPTZ)
                """,
                "CREATE INDEX menus_by_store ON menus (store_id)",
                """
                CREATE TABLE orders (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    table_id UUID NOT NULL REFERENCES dining_tables(id),
                    session_id UUID NOT NULL REFERENCES table_sessions(id),
                    status TEXT NOT NULL,
                    total_amount BIGINT NOT NULL,
                    note TEXT,
                    request_hash TEXT NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL,
                    deleted_at TIMESTAMPTZ)
                """,
                "CREATE INDEX orders_by_session ON orders (session_id, created_at)",
                "CREATE INDEX orders_by_store ON orders (store_id, created_at)",
                """
                CREATE TABLE order_items (
                    order_id UUID NOT NULL REFERENCES orders(id),
                    line_no INT NOT NULL,
                    menu_id UUID NOT NULL,
                    name TEXT NOT NULL,
                    unit_price INT NOT NULL,
                    quantity INT NOT NULL,
                    subtotal BIGINT NOT NULL,
                    PRIMARY KEY (order_id, line_no))
                """,
                """
                CREATE TABLE events (
                    store_id TEXT NOT NULL,
                    id BIGINT NOT NULL,
                    type TEXT NOT NULL,
                    data TEXT NOT NULL,
                    occurred_at TIMESTAMPTZ NOT NULL,
                    PRIMARY KEY (store_id, id))
                """,
            ]
        ),
        (
            2,
            [
                """
                CREATE TABLE processed_commands (
                    command_id UUID PRIMARY KEY,
                    processed_at TIMESTAMPTZ NOT NULL)
                """,
                "CREATE INDEX processed_commands_by_age ON processed_commands (processed_at)",
                "CREATE INDEX events_by_time ON events (occurred_at)",
            ]
        ),
        (
            3,
            [
                // Bumped by every password change or reset; tokens carry the version they were issued at.
                "ALTER TABLE admins ADD COLUMN credential_version BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE dining_tables ADD COLUMN credential_version BIGINT NOT NULL DEFAULT 0",
                // The revocation log every API pod follows; `seq` comes from the one-row head below,
                // whose row lock (held until commit) makes it gap-free in commit order.
                """
                CREATE TABLE token_revocations (
                    seq BIGINT PRIMARY KEY,
                    user_id UUID NOT NULL,
                    token_id TEXT,
                    min_credential_version BIGINT,
                    expires_at TIMESTAMPTZ NOT NULL,
                    CHECK (token_id IS NOT NULL OR min_credential_version IS NOT NULL))
                """,
                "CREATE INDEX token_revocations_by_expiry ON token_revocations (expires_at)",
                """
                CREATE TABLE token_revocation_head (
                    id INT PRIMARY KEY CHECK (id = 1),
                    last_seq BIGINT NOT NULL)
                """,
                "INSERT INTO token_revocation_head (id, last_seq) VALUES (1, 0)",
            ]
        ),
        (
            4,
            [
                // v1.1, the restaurant's day. Option groups travel and are read whole with their menu, so they
                // are its JSON; their ids (groups' and options') are unique across menus through this table.
                "ALTER TABLE menus ADD COLUMN option_groups TEXT NOT NULL DEFAULT '[]'",
                "ALTER TABLE menus ADD COLUMN stock INT CHECK (stock >= 0)",
                "ALTER TABLE menus ADD COLUMN translations TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE categories ADD COLUMN translations TEXT NOT NULL DEFAULT '{}'",
                """
                CREATE TABLE menu_option_ids (
                    id UUID PRIMARY KEY,
                    menu_id UUID NOT NULL,
                    store_id TEXT NOT NULL)
                """,
                "CREATE INDEX menu_option_ids_by_menu ON menu_option_ids (menu_id)",
                // A line's chosen options (JSON, null for none) and its cancelled portions.
                "ALTER TABLE order_items ADD COLUMN options TEXT",
                "ALTER TABLE order_items ADD COLUMN cancelled_quantity INT NOT NULL DEFAULT 0",
                "ALTER TABLE orders ADD COLUMN reject_reason TEXT",
                // The table an event is about, for the tables' own streams.
                "ALTER TABLE events ADD COLUMN table_id UUID",
                """
                CREATE TABLE staff_calls (
                    id UUID PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES stores(id),
                    table_id UUID NOT NULL REFERENCES dining_tables(id),
                    type TEXT NOT NULL,
                    note TEXT,
                    status TEXT NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL,
                    updated_at TIMESTAMPTZ NOT NULL)
                """,
                // At most one open call per table and type: the index refuses a second.
                "CREATE UNIQUE INDEX staff_calls_one_open ON staff_calls (table_id, type) WHERE status <> 'resolved'",
                "CREATE INDEX staff_calls_by_store ON staff_calls (store_id, created_at)",
                "ALTER TABLE stores ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Asia/Seoul'",
            ]
        ),
        (
            5,
            [
                // The sales report (v1.1 §7) reads a year of a store's orders and their items from covering
                // indexes alone: every order and item of the range, less the few that count for nothing
                // (cancelled, rejected or deleted, found through the partial index). Items carry their
                // order's store and time for it (an order's two immutable facts).
                "ALTER TABLE order_items ADD COLUMN store_id TEXT",
                "ALTER TABLE order_items ADD COLUMN created_at TIMESTAMPTZ",
                """
                UPDATE order_items i SET store_id = o.store_id, created_at = o.created_at
                FROM orders o WHERE o.id = i.order_id
                """,
                """
                CREATE INDEX order_items_sales ON order_items (store_id, created_at)
                INCLUDE (menu_id, quantity, cancelled_quantity, subtotal)
                """,
                "CREATE INDEX orders_sales ON orders (store_id, created_at) INCLUDE (total_amount)",
                """
                CREATE INDEX orders_not_counted ON orders (store_id, created_at)
                WHERE status IN ('cancelled', 'rejected') OR deleted_at IS NOT NULL
                """,
                // Where a table's stream starts its replay: the table's last session end.
                "CREATE INDEX events_session_ends ON events (store_id, table_id, id) WHERE type = 'table_session_completed'",
            ]
        ),
        (6, SalesRollup.migration(PostgresEngine.dialect, menuIDType: "UUID")),
    ]

    /// Applies what is missing; returns the versions it applied.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations", logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            var done: [Int] = []
            for migration in versions where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }
}
