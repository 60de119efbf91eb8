-- Users, FSM storage and small key/value settings (PostgreSQL; same numbers as migrations/).
-- Integers holding Telegram ids, money or times are BIGINT.
CREATE TABLE users (
    id            BIGINT PRIMARY KEY,             -- Telegram user id
    username      TEXT,
    first_name    TEXT NOT NULL DEFAULT '',
    language      TEXT,
    tg_language   TEXT,
    balance       BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),  -- micro-units
    is_blocked    INTEGER NOT NULL DEFAULT 0,
    is_banned     INTEGER NOT NULL DEFAULT 0,
    first_seen    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL
);
CREATE INDEX users_username ON users (lower(username));
CREATE INDEX users_last_seen ON users (last_seen);

CREATE TABLE fsm (
    key        TEXT PRIMARY KEY,
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at BIGINT NOT NULL
);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A write refused by a trigger is a constraint violation (SQLSTATE 23000), like SQLite's
-- RAISE(ABORT): the code sees bot.db.IntegrityError on both engines. TG_ARGV[0]: the text.
CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

-- SQLite's instr(), so that a search condition is written once for both engines.
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT strpos(haystack, needle) $$;
