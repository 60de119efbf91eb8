-- Everything the bot sends on its own goes through this table and one rate-limited sender.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL,
    method      TEXT NOT NULL DEFAULT 'text',   -- text: render `key` with `params`; copy: copyMessage
    key         TEXT,                           -- locale key for method=text
    params      TEXT NOT NULL DEFAULT '{}',     -- JSON: placeholders, or {from_chat_id, message_id}
    buttons     TEXT,                           -- JSON: [[{"key": ..., "params": {...}, "data": ...}]]
    lang        TEXT,                           -- NULL: the recipient's language (users table)
    dedup       TEXT UNIQUE,                    -- a second enqueue with the same value is a no-op
    batch       TEXT,                           -- groups rows of one broadcast
    status      TEXT NOT NULL DEFAULT 'queued', -- queued|sent|blocked|failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     REAL NOT NULL DEFAULT 0,        -- unix seconds, not before
    error       TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX outbox_queue ON outbox (status, next_at, id);
CREATE INDEX outbox_batch ON outbox (batch, status);
