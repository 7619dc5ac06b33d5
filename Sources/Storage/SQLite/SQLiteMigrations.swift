import TableOrderCore

/// The schema of `PostgresMigrations` in SQLite's types: ids as text, timestamps as real seconds,
/// booleans as integers. Versions match, so both engines are always at the same schema.
enum SQLiteMigrations {
    static let versions: [(version: Int, statements: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE stores (id TEXT PRIMARY KEY, name TEXT NOT NULL,
                    last_event_id INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0))
                """,
                """
                CREATE TABLE admins (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    username TEXT NOT NULL, password_hash TEXT NOT NULL, UNIQUE (store_id, username))
                """,
                """
                CREATE TABLE dining_tables (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    table_number INTEGER NOT NULL, password_hash TEXT NOT NULL, current_session_id TEXT,
                    UNIQUE (store_id, table_number))
                """,
                """
                CREATE TABLE table_sessions (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    table_id TEXT NOT NULL REFERENCES dining_tables(id), started_at REAL NOT NULL, ended_at REAL)
                """,
                "CREATE INDEX table_sessions_by_table ON table_sessions (table_id, started_at DESC)",
                """
                CREATE TABLE categories (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    name TEXT NOT NULL, sort_order INTEGER NOT NULL DEFAULT 0, deleted_at REAL)
                """,
                """
                CREATE TABLE menus (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    category_id TEXT NOT NULL REFERENCES categories(id), name TEXT NOT NULL,
                    price INTEGER NOT NULL CHECK (price >= 0), description TEXT, image_url TEXT,
                    is_available INTEGER NOT NULL DEFAULT 1, sort_order INTEGER NOT NULL DEFAULT 0, deleted_at REAL)
                """,
                "CREATE INDEX menus_by_store ON menus (store_id)",
                """
                CREATE TABLE orders (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    table_id TEXT NOT NULL REFERENCES dining_tables(id),
                    session_id TEXT NOT NULL REFERENCES table_sessions(id), status TEXT NOT NULL,
                    total_amount INTEGER NOT NULL, note TEXT, request_hash TEXT NOT NULL, created_at REAL NOT NULL,
                    updated_at REAL NOT NULL, deleted_at REAL)
                """,
                "CREATE INDEX orders_by_session ON orders (session_id, created_at)",
                "CREATE INDEX orders_by_store ON orders (store_id, created_at)",
                """
                CREATE TABLE order_items (order_id TEXT NOT NULL REFERENCES orders(id), line_no INTEGER NOT NULL,
                    menu_id TEXT NOT NULL, name TEXT NOT NULL, unit_price INTEGER NOT NULL, quantity INTEGER NOT NULL,
                    subtotal INTEGER NOT NULL, PRIMARY KEY (order_id, line_no))
                """,
                """
                CREATE TABLE events (store_id TEXT NOT NULL, id INTEGER NOT NULL, type TEXT NOT NULL,
                    data TEXT NOT NULL, occurred_at REAL NOT NULL, PRIMARY KEY (store_id, id))
                """,
            ]
        ),
        (
            2,
            [
                "CREATE TABLE processed_commands (command_id TEXT PRIMARY KEY, processed_at REAL NOT NULL)",
                "CREATE INDEX processed_commands_by_age ON processed_commands (processed_at)",
                "CREATE INDEX events_by_time ON events (occurred_at)",
            ]
        ),
        (
            3,
            [
                "ALTER TABLE admins ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE dining_tables ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 0",
                """
                CREATE TABLE token_revocations (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, token_id TEXT,
                    min_credential_version INTEGER, expires_at REAL NOT NULL,
                    CHECK (token_id IS NOT NULL OR min_credential_version IS NOT NULL))
                """,
                "CREATE INDEX token_revocations_by_expiry ON token_revocations (expires_at)",
                "CREATE TABLE token_revocation_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL)",
                "INSERT INTO token_revocation_head (id, last_seq) VALUES (1, 0)",
            ]
        ),
        (
            4,
            [
                "ALTER TABLE menus ADD COLUMN option_groups TEXT NOT NULL DEFAULT '[]'",
                "ALTER TABLE menus ADD COLUMN stock INTEGER CHECK (stock >= 0)",
                "ALTER TABLE menus ADD COLUMN translations TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE categories ADD COLUMN translations TEXT NOT NULL DEFAULT '{}'",
                "CREATE TABLE menu_option_ids (id TEXT PRIMARY KEY, menu_id TEXT NOT NULL, store_id TEXT NOT NULL)",
                "CREATE INDEX menu_option_ids_by_menu ON menu_option_ids (menu_id)",
                "ALTER TABLE order_items ADD COLUMN options TEXT",
                "ALTER TABLE order_items ADD COLUMN cancelled_quantity INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE orders ADD COLUMN reject_reason TEXT",
                "ALTER TABLE events ADD COLUMN table_id TEXT",
                """
                CREATE TABLE staff_calls (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                    table_id TEXT NOT NULL REFERENCES dining_tables(id), type TEXT NOT NULL, note TEXT,
                    status TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL)
                """,
                "CREATE UNIQUE INDEX staff_calls_one_open ON staff_calls (table_id, type) WHERE status <> 'resolved'",
                "CREATE INDEX staff_calls_by_store ON staff_calls (store_id, created_at)",
                "ALTER TABLE stores ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Asia/Seoul'",
            ]
        ),
        (
            5,
            [
                "ALTER TABLE order_items ADD COLUMN store_id TEXT",
                "ALTER TABLE order_items ADD COLUMN created_at REAL",
                """
                UPDATE order_items SET store_id = o.store_id, created_at = o.created_at
                FROM orders o WHERE o.id = order_items.order_id
                """,
                """
                CREATE INDEX order_items_sales ON order_items
                    (store_id, created_at, menu_id, quantity, cancelled_quantity, subtotal)
                """,
                "CREATE INDEX orders_sales ON orders (store_id, created_at, total_amount)",
                """
                CREATE INDEX orders_not_counted ON orders (store_id, created_at)
                WHERE status IN ('cancelled', 'rejected') OR deleted_at IS NOT NULL
                """,
                "CREATE INDEX events_session_ends ON events (store_id, table_id, id) WHERE type = 'table_session_completed'",
            ]
        ),
        (6, SalesRollup.migration(SQLiteEngine.dialect, menuIDType: "TEXT")),
    ]
}
