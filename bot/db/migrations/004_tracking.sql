-- Tracking: refill and cancel requests sent to the panel, and poller bookkeeping.
-- One open (active = 1) request per order: a second press finds it and says "in progress".
CREATE TABLE order_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        INTEGER NOT NULL REFERENCES orders (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,              -- refill|cancel
    status          TEXT NOT NULL,              -- sending|accepted|rejected|not_sent|unknown|
                                                -- done (cancel: order final) | refill states:
                                                -- pending|in_progress|completed|rejected|canceled|failed
    active          INTEGER NOT NULL DEFAULT 1, -- 1 while the request is open
    panel_refill_id TEXT,                       -- refill id from the panel, NULL if none given
    panel_message   TEXT,                       -- the panel's text (reason of a rejection)
    poll_errors     INTEGER NOT NULL DEFAULT 0,
    next_poll_at    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX order_requests_open ON order_requests (order_id) WHERE active = 1;
CREATE INDEX order_requests_poll ON order_requests (kind, active, next_poll_at);
CREATE INDEX order_requests_order ON order_requests (order_id, id DESC);
