-- Top-ups customers pay themselves: Telegram Stars and Crypto Pay invoices.
-- The money itself moves only through the ledger (kind 'topup', ref stars:<charge id> or
-- cryptopay:<invoice id>; a Stars refund is kind 'topup-refund', ref stars-refund:<charge id>).
-- This table is the invoice and its outcome: what was asked, what was paid, what was credited.
-- Money is BIGINT micro-units of `currency` (1 = 0.000001).
CREATE TABLE payments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    method             TEXT NOT NULL CHECK (method IN ('stars', 'cryptopay')),
    status             TEXT NOT NULL CHECK (status IN
                           ('created', 'pending', 'paid', 'expired', 'refunding', 'refunded',
                            'canceled')),
                           -- created: Stars invoice made; pending: Crypto Pay invoice asked for
                           -- (provider_charge_id NULL until its id is known); refunding: the
                           -- balance was debited, Telegram's refund not yet confirmed
    amount             BIGINT NOT NULL CHECK (amount >= 0), -- asked: what a payment credits
    credited           BIGINT CHECK (credited >= 0),        -- what the ledger got; NULL = nothing
    currency           TEXT NOT NULL,                       -- the shop currency when asked
    stars              INTEGER CHECK (stars > 0),           -- Stars asked; NULL for Crypto Pay
    rate_micros        BIGINT CHECK (rate_micros > 0),      -- one Star's value when asked
    provider_charge_id TEXT,                                -- telegram_payment_charge_id | invoice_id
    invoice_payload    TEXT,
    invoice_url        TEXT,                                -- Crypto Pay's link for the customer
    paid_amount        TEXT,                                -- exact decimal: Stars or crypto paid
    paid_asset         TEXT,                                -- XTR, USDT, TON...
    flagged            INTEGER NOT NULL DEFAULT 0,          -- 1: an operator should look at it
    note               TEXT,                                -- why it is flagged, refund details
    refund_debit       BIGINT CHECK (refund_debit >= 0),    -- taken back from the balance
    refunded_by        INTEGER,                             -- operator's Telegram id
    expires_at         INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    paid_at            INTEGER,
    refunded_at        INTEGER
);
-- One row per provider payment: a repeated update or a second poller finds it.
CREATE UNIQUE INDEX payments_charge ON payments (method, provider_charge_id);
CREATE INDEX payments_user ON payments (user_id, id DESC);
CREATE INDEX payments_open ON payments (method, status, created_at)
    WHERE status IN ('created', 'pending');
CREATE INDEX payments_paid ON payments (paid_at, method);

-- Payments are records of money: never deleted; a known provider id never changes; once
-- credited, the amount credited never changes; a paid payment only moves towards refunded.
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments are kept');
END;
CREATE TRIGGER payments_charge_fixed BEFORE UPDATE OF provider_charge_id ON payments
WHEN OLD.provider_charge_id IS NOT NULL AND NEW.provider_charge_id IS NOT OLD.provider_charge_id
BEGIN
    SELECT RAISE(ABORT, 'a payment''s provider id never changes');
END;
CREATE TRIGGER payments_credit_fixed BEFORE UPDATE OF credited ON payments
WHEN OLD.credited IS NOT NULL AND NEW.credited IS NOT OLD.credited
BEGIN
    SELECT RAISE(ABORT, 'a payment''s credited amount never changes');
END;
CREATE TRIGGER payments_status_forward BEFORE UPDATE OF status ON payments
WHEN (OLD.status = 'paid' AND NEW.status NOT IN ('paid', 'refunding'))
  OR (OLD.status = 'refunding' AND NEW.status NOT IN ('refunding', 'refunded'))
  OR (OLD.status = 'refunded' AND NEW.status <> 'refunded')
BEGIN
    SELECT RAISE(ABORT, 'a paid payment only moves towards refunded');
END;
