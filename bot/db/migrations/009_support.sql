-- Customers writing to the operators (/paysupport, the Support entry) and the way back.
-- A customer's message is posted in the operators' group; every bot message posted there
-- for it is listed in support_messages, so an operator's reply to any of them reaches the
-- customer, also after a restart.
CREATE TABLE support_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    topic       TEXT NOT NULL CHECK (topic IN ('payments', 'general')),
    replies     INTEGER NOT NULL DEFAULT 0,     -- operators' answers delivered
    created_at  INTEGER NOT NULL
);
CREATE INDEX support_requests_user ON support_requests (user_id, created_at);

CREATE TABLE support_messages (
    chat_id     BIGINT NOT NULL,                -- the operators' group
    message_id  BIGINT NOT NULL,                -- the bot's message there
    request_id  INTEGER NOT NULL REFERENCES support_requests (id),
    PRIMARY KEY (chat_id, message_id)
);
