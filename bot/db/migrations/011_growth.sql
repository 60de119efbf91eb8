-- Growth (issue 16): referrals and promo codes. Money columns are INTEGER micro-units.

-- A customer's personal invite code (made the first time they open "Invite friends").
CREATE TABLE referral_codes (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    code       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- Who invited whom: the primary key attaches a user to one inviter, once and for good.
CREATE TABLE referrals (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    inviter_id INTEGER NOT NULL REFERENCES users (id),
    joined_at  INTEGER NOT NULL,
    CHECK (user_id != inviter_id)
);
CREATE INDEX referrals_inviter ON referrals (inviter_id);

-- One bonus per order (ledger ref referral:<order id>): what it was computed from, so a
-- later refund claws back exactly its share (ledger ref referral-back:<order id>).
CREATE TABLE referral_rewards (
    order_id   INTEGER PRIMARY KEY REFERENCES orders (id),
    inviter_id INTEGER NOT NULL REFERENCES users (id),
    base       INTEGER NOT NULL,               -- the part of the charge not refunded
    amount     INTEGER NOT NULL,               -- the bonus credited
    clawed     INTEGER NOT NULL DEFAULT 0,     -- taken back by later refunds
    created_at INTEGER NOT NULL
);

-- Promo codes, stored lower-case (codes are case-insensitive).
CREATE TABLE promo_codes (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,                  -- amount | topup | order
    amount     INTEGER NOT NULL DEFAULT 0,     -- micro-units, for kind = amount
    percent    TEXT,                           -- decimal string, for topup | order
    uses       INTEGER,                        -- NULL = unlimited
    used       INTEGER NOT NULL DEFAULT 0,
    ends_at    INTEGER,                        -- unix seconds the code stops working, NULL = never
    min_topup  INTEGER NOT NULL DEFAULT 0,     -- micro-units, for kind = topup
    active     INTEGER NOT NULL DEFAULT 1,     -- 0 after /promo off
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (uses IS NULL OR used <= uses)
);

-- One use of a code by a customer; the unique pair is what makes a code once per customer.
-- A percent code waits as `pending` until the top-up or order it applies to.
CREATE TABLE promo_redemptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL REFERENCES promo_codes (code),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,                  -- pending | done
    order_id   INTEGER REFERENCES orders (id),
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    UNIQUE (code, user_id)
);
CREATE INDEX promo_redemptions_pending ON promo_redemptions (user_id, state, kind);

-- Wrong codes typed, for the brute-force lock (kept two hours).
CREATE TABLE promo_attempts (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX promo_attempts_user ON promo_attempts (user_id, at);
