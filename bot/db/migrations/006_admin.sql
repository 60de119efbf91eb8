-- Operators' room: the audit log of admin actions, the cache of who administers the admin
-- group, and an index that lets /stats aggregate orders without touching the table rows.
CREATE TABLE admin_audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_id   INTEGER NOT NULL,               -- Telegram id of the operator
    action     TEXT NOT NULL,                  -- credit|debit|ban|unban|hide|show|markup|...
    target     TEXT,                           -- user id, order id, service id...
    details    TEXT NOT NULL DEFAULT '',       -- short, human readable
    created_at INTEGER NOT NULL
);

-- getChatMember answers, kept a few minutes so each admin command does not ask Telegram.
CREATE TABLE admin_members (
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    is_admin   INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- /stats: counts and sums per status and period come from this index alone.
CREATE INDEX orders_stats ON orders (status, created_at, charge, refunded, cost);
