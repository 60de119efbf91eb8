-- Catalog, wallet ledger and orders. Money is INTEGER micro-units (1 = 0.000001).
CREATE TABLE categories (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL UNIQUE,
    markup_percent TEXT,                       -- decimal string override, NULL = global
    position       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE services (
    id             TEXT PRIMARY KEY,           -- the panel's service id, kept as text
    category_id    INTEGER NOT NULL REFERENCES categories (id),
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL,              -- as the panel spells it
    kind           TEXT,                       -- normalized order type, NULL = unknown type
    rate           INTEGER NOT NULL,           -- micro-units per 1000 (per package for packages)
    min_qty        INTEGER NOT NULL,
    max_qty        INTEGER NOT NULL,
    dripfeed       INTEGER NOT NULL DEFAULT 0,
    refill         INTEGER NOT NULL DEFAULT 0,
    cancel         INTEGER NOT NULL DEFAULT 0,
    average_time   TEXT,
    available      INTEGER NOT NULL DEFAULT 1, -- 0 once it vanished from the panel
    hidden         INTEGER NOT NULL DEFAULT 0, -- taken out of the shop by an operator
    markup_percent TEXT,                       -- decimal string override, NULL = category/global
    position       INTEGER NOT NULL DEFAULT 0, -- order in the panel's list
    search_text    TEXT NOT NULL DEFAULT '',   -- lower-cased name + category for search
    updated_at     INTEGER NOT NULL
);
CREATE INDEX services_category ON services (category_id, position);

CREATE TABLE orders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    service_id     TEXT NOT NULL REFERENCES services (id),
    confirm_token  TEXT NOT NULL UNIQUE,       -- one per summary: a second confirm is a no-op
    status         TEXT NOT NULL,              -- submitting|unknown|failed|pending|in_progress|
                                               -- processing|completed|partial|canceled|refunded|active|error
    panel_order_id TEXT,
    link           TEXT,
    quantity       INTEGER NOT NULL DEFAULT 0, -- units charged for (x runs for drip-feed)
    fields         TEXT NOT NULL DEFAULT '{}', -- JSON: exactly what is sent to the panel's add
    charge         INTEGER NOT NULL,           -- what the user paid, micro-units
    cost           INTEGER,                    -- what the panel charged us, micro-units
    start_count    INTEGER,
    remains        INTEGER,
    refunded       INTEGER NOT NULL DEFAULT 0, -- micro-units refunded so far
    error          TEXT,
    poll_errors    INTEGER NOT NULL DEFAULT 0,
    next_poll_at   INTEGER NOT NULL DEFAULT 0,
    status_changed_at INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX orders_user ON orders (user_id, id DESC);
CREATE INDEX orders_status ON orders (status, next_poll_at);
CREATE INDEX orders_panel_id ON orders (panel_order_id);
CREATE INDEX orders_created ON orders (created_at);

CREATE TABLE ledger (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    amount        INTEGER NOT NULL,            -- signed micro-units
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    kind          TEXT NOT NULL,               -- charge|refund|credit|debit|topup
    ref           TEXT NOT NULL UNIQUE,        -- e.g. order:42:charge; a repeat is a no-op
    order_id      INTEGER REFERENCES orders (id),
    note          TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX ledger_user ON ledger (user_id, id DESC);

-- The ledger is append-only.
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;
