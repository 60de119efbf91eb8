-- Users, FSM storage and small key/value settings.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,            -- Telegram user id
    username      TEXT,
    first_name    TEXT NOT NULL DEFAULT '',
    language      TEXT,                           -- the user's saved choice, NULL if never chosen
    tg_language   TEXT,                           -- Telegram's language_code, last seen
    balance       INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),  -- micro-units
    is_blocked    INTEGER NOT NULL DEFAULT 0,     -- the user blocked the bot (403)
    is_banned     INTEGER NOT NULL DEFAULT 0,     -- banned by an operator
    first_seen    INTEGER NOT NULL,               -- unix seconds
    last_seen     INTEGER NOT NULL
);
CREATE INDEX users_username ON users (lower(username));
CREATE INDEX users_last_seen ON users (last_seen);

CREATE TABLE fsm (
    key        TEXT PRIMARY KEY,
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
