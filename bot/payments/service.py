"""Top-ups: the money side. No aiogram here: handlers translate, these functions decide.

Every credit is one transaction holding the ledger row (`wallet.apply`, a unique ref made of
the provider's id), the payments row and the messages it announces (outbox). A repeated
update, a reconciliation pass and a second poller all meet the same ref and change nothing.
Money that goes back out (a Stars refund) is debited first; the provider is called after.

Stars: create_stars_topup -> (handler sends the invoice) -> validate_pre_checkout ->
credit_stars; reconcile_stars for payments whose update was lost; refund_stars ->
(handler calls refundStarPayment) -> mark_stars_refunded. Crypto Pay: crypto_service.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.db import Database, Queryable, Tx, for_update
from bot.money import amount_param
from bot.payments import reports
from bot.payments.amounts import check_topup_amount
from bot.payments.models import (
    CreditResult,
    Method,
    PaymentConfig,
    PaymentUnavailable,
    PaymentView,
    PreCheckoutVerdict,
    ReconcileResult,
    RefundPlan,
    StarsInvoice,
    StarTx,
)
from bot.payments.stars import STARS_CURRENCY, make_payload, parse_payload, stars_for, value_of
from bot.services import catalog, kv, outbox, wallet
from bot.services.maintenance import maintenance_on

log = logging.getLogger(__name__)

STARS_CURSOR_KEY = "payments:stars_offset"

# --------------------------------------------------------------------------- shared helpers


async def payment_where(conn: Tx, sql: str, params: Sequence[Any]) -> PaymentView | None:
    """The payment matching `sql`, its row locked until the transaction ends: callers read
    it to change it (credit, refund), and replicas must take turns."""
    found = await conn.fetchone(
        f"SELECT {reports.COLUMNS} FROM payments WHERE {sql}{for_update(conn)}", tuple(params)
    )
    return None if found is None else reports.view(found)


async def balance_of(conn: Tx, user_id: int) -> int:
    found = await conn.fetchone("SELECT balance FROM users WHERE id = ?", (user_id,))
    return int(found[0]) if found else 0


async def ensure_user(conn: Tx, user_id: int, first_name: str, now: int) -> None:
    """A payer the bot has never seen (a forwarded invoice, a lost update): keep the money."""
    await conn.execute(
        "INSERT INTO users (id, first_name, first_seen, last_seen) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING",
        (user_id, first_name, now, now),
    )


async def ledger_has(conn: Tx, ref: str) -> bool:
    return await conn.fetchone("SELECT 1 FROM ledger WHERE ref = ?", (ref,)) is not None


async def alert(conn: Tx, config: PaymentConfig, key: str, dedup: str, **params: Any) -> None:
    """One operator alert, once per `dedup`, in the caller's transaction."""
    await outbox.enqueue(
        conn, config.admin_chat_id, key, params, lang=config.admin_lang, dedup=dedup
    )


async def receipt(conn: Tx, result: CreditResult, key: str, **extra: Any) -> None:
    await outbox.enqueue(
        conn,
        result.user_id or 0,
        key,
        {
            "amount": amount_param(result.credited, result.currency),
            "balance": amount_param(result.balance, result.currency),
            **extra,
        },
        dedup=f"receipt:{result.charge_id}",
    )


# --------------------------------------------------------------------------- Stars


async def create_stars_topup(
    db: Database, config: PaymentConfig, user_id: int, amount: int, now: int | None = None
) -> StarsInvoice:
    """A payments row for a Stars top-up of `amount` micro-units, and what to invoice.

    Raises PaymentUnavailable without STARS_RATE, TopupAmountError outside the limits (the
    upper one lowered to what one invoice of at most 10000 Stars can carry).
    """
    rate = config.stars_rate
    if rate is None:
        raise PaymentUnavailable("stars")
    check_topup_amount(amount, min_micros=config.topup_min, max_micros=config.stars_max)
    stars = stars_for(amount, rate)
    currency = await catalog.currency(db)
    now = now or int(time.time())
    async with db.transaction() as conn:
        found = await conn.fetchone(
            "INSERT INTO payments (user_id, method, status, amount, currency, stars, rate_micros,"
            " expires_at, created_at, updated_at)"
            " VALUES (?, 'stars', 'created', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, amount, currency, stars, rate, now + config.stars_invoice_ttl, now, now),
        )
        assert found is not None
        payment_id = int(found[0])
        payload = make_payload(payment_id, amount, rate)
        await conn.execute(
            "UPDATE payments SET invoice_payload = ? WHERE id = ?", (payload, payment_id)
        )
    return StarsInvoice(payment_id, amount, currency, stars, rate, payload)


async def validate_pre_checkout(
    db: Database,
    config: PaymentConfig,
    *,
    user_id: int,
    payload: str,
    total_amount: int,
    currency: str = STARS_CURRENCY,
    now: int | None = None,
) -> PreCheckoutVerdict:
    """Whether to accept a pre-checkout query. Reads only (never waits for the writer), so
    it answers well within Telegram's 10 seconds."""
    parsed = parse_payload(payload)
    if currency != STARS_CURRENCY or parsed is None:
        return "invalid"
    sql = (
        "SELECT p.user_id, p.method, p.status, p.amount, p.stars, p.rate_micros, p.expires_at,"
        " u.is_banned FROM payments p JOIN users u ON u.id = p.user_id WHERE p.id = ?"
    )
    row = await db.fetchone(sql, (parsed.payment_id,))
    if row is None:
        # The shared reader may still be inside an older snapshot (another statement open
        # on it) and miss an invoice created a moment ago: ask the writer, which sees every
        # commit. Writes are short, so this stays far inside Telegram's 10 seconds.
        async with db.transaction() as conn:
            row = await conn.fetchone(sql, (parsed.payment_id,))
    if (
        row is None
        or row["method"] != "stars"
        or row["user_id"] != user_id
        or (row["amount"], row["rate_micros"]) != (parsed.amount, parsed.rate)
        or row["stars"] != total_amount
    ):
        return "invalid"
    if row["is_banned"]:
        return "banned"
    if await maintenance_on(db):
        return "maintenance"
    now = now or int(time.time())
    if row["status"] != "created" or (row["expires_at"] or 0) < now:
        return "stale"
    if config.stars_rate is None:
        return "unavailable"
    if stars_for(row["amount"], config.stars_rate) != total_amount:
        return "rate_changed"
    return "ok"


async def credit_stars(
    db: Database,
    config: PaymentConfig,
    *,
    user_id: int,
    charge_id: str,
    total_amount: int,
    payload: str,
    first_name: str = "",
    now: int | None = None,
) -> CreditResult:
    """Credit a successful Stars payment exactly once (ledger ref stars:<charge_id>)."""
    async with db.transaction() as conn:
        return await _credit_stars(
            conn, config, user_id, charge_id, total_amount, payload, first_name, now=now
        )


async def _credit_stars(
    conn: Tx,
    config: PaymentConfig,
    user_id: int,
    charge_id: str,
    total_amount: int,
    payload: str | None,
    first_name: str,
    *,
    now: int | None = None,
    recovered: bool = False,
) -> CreditResult:
    now = now or int(time.time())
    ref = f"stars:{charge_id}"
    done = await payment_where(conn, "method = 'stars' AND provider_charge_id = ?", (charge_id,))
    if done is not None or await ledger_has(conn, ref):
        owner = done.user_id if done else user_id
        return CreditResult(
            "duplicate",
            done.id if done else None,
            owner,
            (done.credited or 0) if done else 0,
            await balance_of(conn, owner),
            done.currency if done else "",
            ref,
        )
    parsed = parse_payload(payload)
    row = None
    if parsed is not None:
        row = await payment_where(conn, "id = ? AND method = 'stars'", (parsed.payment_id,))
    note: str | None = None
    if (
        row is not None
        and parsed is not None
        and ((row.amount, row.stars, row.rate_micros) == (parsed.amount, total_amount, parsed.rate))
    ):
        amount, rate, currency = row.amount, row.rate_micros, row.currency
        if row.user_id != user_id:
            note = "other-payer"  # a forwarded invoice, paid by someone else
        elif row.status in ("paid", "refunding", "refunded"):
            note = "paid-twice"
    else:  # not what we asked for: worth its Stars at the rate it names (or today's)
        row, note = None, "unmatched"
        rate = (parsed.rate if parsed else None) or config.stars_rate
        amount = value_of(total_amount, rate) if rate else 0
        currency = await catalog.currency(conn)
    await ensure_user(conn, user_id, first_name, now)
    if amount > 0 and not await wallet.apply(
        conn, user_id, amount, kind="topup", ref=ref, note="stars", now=now
    ):
        raise RuntimeError(f"{ref} was applied inside this transaction")  # checked above
    if row is not None and note is None:
        payment_id = row.id
        await conn.execute(
            "UPDATE payments SET status = 'paid', credited = ?, provider_charge_id = ?,"
            " paid_amount = ?, paid_asset = ?, paid_at = ?, updated_at = ? WHERE id = ?",
            (amount, charge_id, str(total_amount), STARS_CURRENCY, now, now, payment_id),
        )
    else:
        payment_id = await insert_paid(
            conn,
            user_id=user_id,
            method="stars",
            amount=amount,
            currency=currency,
            stars=total_amount,
            rate=rate,
            charge_id=charge_id,
            payload=payload,
            paid=(str(total_amount), STARS_CURRENCY),
            note=note,
            now=now,
        )
    result = CreditResult(
        "flagged" if note else "credited",
        payment_id,
        user_id,
        amount,
        await balance_of(conn, user_id),
        currency,
        ref,
        note,
    )
    if amount > 0:
        await receipt(conn, result, "payments-receipt-stars", stars=total_amount)
    params = {
        "payment_id": str(payment_id),
        "user_id": str(user_id),
        "stars": total_amount,
        "amount": amount_param(amount, currency),
    }
    if recovered:
        await alert(conn, config, "payments-alert-recovered", f"alert:recovered:{ref}", **params)
    if note:
        await alert(conn, config, f"payments-alert-{note}", f"alert:{note}:{ref}", **params)
    return result


async def insert_paid(
    conn: Tx,
    *,
    user_id: int,
    method: Method,
    amount: int,
    currency: str,
    stars: int | None,
    rate: int | None,
    charge_id: str,
    payload: str | None,
    paid: tuple[str | None, str | None],
    note: str | None,
    now: int,
) -> int:
    """A paid payment without an invoice row of ours to update (see the notes)."""
    found = await conn.fetchone(
        "INSERT INTO payments (user_id, method, status, amount, credited, currency, stars,"
        " rate_micros, provider_charge_id, invoice_payload, paid_amount, paid_asset, flagged,"
        " note, created_at, updated_at, paid_at)"
        " VALUES (?, ?, 'paid', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            user_id,
            method,
            amount,
            amount,
            currency,
            stars,
            rate,
            charge_id,
            payload,
            paid[0],
            paid[1],
            int(note is not None),
            note,
            now,
            now,
            now,
        ),
    )
    assert found is not None
    return int(found[0])


async def stars_cursor(source: Queryable) -> int:
    """How many getStarTransactions entries reconciliation has already read."""
    value = await kv.get(source, STARS_CURSOR_KEY)
    return int(value) if value else 0


async def reconcile_stars(
    db: Database,
    config: PaymentConfig,
    transactions: Sequence[StarTx],
    offset: int,
    now: int | None = None,
) -> ReconcileResult:
    """Credit incoming Stars payments (read from `offset`) that have no ledger row yet,
    finish refunds Telegram did, close unpaid invoices past their expiry. One transaction;
    the cursor moves to offset + len(transactions)."""
    recovered: list[CreditResult] = []
    confirmed = 0
    now = now or int(time.time())
    async with db.transaction() as conn:
        for tx in transactions:
            if tx.user_id is None or tx.transaction_type != "invoice_payment":
                continue
            if tx.incoming:
                if not await ledger_has(conn, f"stars:{tx.id}"):
                    result = await _credit_stars(
                        conn,
                        config,
                        tx.user_id,
                        tx.id,
                        tx.amount,
                        tx.payload,
                        tx.first_name,
                        now=now,
                        recovered=True,
                    )
                    if result.outcome != "duplicate":
                        recovered.append(result)
                continue
            row = await payment_where(conn, "method = 'stars' AND provider_charge_id = ?", (tx.id,))
            if row is not None and row.status == "refunding":  # our refund; crashed before OK
                await _mark_refunded(conn, row, now)
                confirmed += 1
            elif row is not None and row.status == "paid":  # refunded outside the bot
                await conn.execute(
                    "UPDATE payments SET flagged = 1, note = 'external-refund', updated_at = ?"
                    " WHERE id = ?",
                    (now, row.id),
                )
                await alert(
                    conn,
                    config,
                    "payments-alert-external-refund",
                    f"alert:external-refund:{tx.id}",
                    payment_id=str(row.id),
                    user_id=str(row.user_id),
                    stars=tx.amount,
                    amount=amount_param(row.credited or 0, row.currency),
                )
        # Invoices nobody paid in time: closed (a late payment still credits them).
        await conn.execute(
            "UPDATE payments SET status = 'expired', updated_at = ?"
            " WHERE method = 'stars' AND status = 'created' AND expires_at < ?",
            (now, now),
        )
        next_offset = max(await stars_cursor(conn), offset + len(transactions))
        await kv.put(conn, STARS_CURSOR_KEY, str(next_offset))
    for result in recovered:
        log.warning("recovered a lost Stars payment: %s", result.charge_id)
    return ReconcileResult(recovered, next_offset, confirmed)


# --------------------------------------------------------------------------- Stars refunds


async def refund_stars(
    db: Database, *, admin_id: int, ref: str, force: bool = False, now: int | None = None
) -> RefundPlan:
    """Take the credited amount back, then the caller refunds the Stars.

    Refused ("insufficient") if the balance no longer covers it, unless `force`: then what
    the balance has is taken and the rest is noted. A payment already "refunding" (debited,
    Telegram's OK not recorded) is planned again without a second debit.
    """
    found = await reports.find_payment(db, ref)
    if found is None:
        return RefundPlan("not_found")
    now = now or int(time.time())
    async with db.transaction() as conn:
        row = await payment_where(conn, "id = ?", (found.id,))
        assert row is not None
        plan = RefundPlan(
            "refund",
            payment_id=row.id,
            user_id=row.user_id,
            charge_id=row.provider_charge_id or "",
            stars=row.stars or 0,
            currency=row.currency,
        )
        balance = await balance_of(conn, row.user_id)
        if row.method != "stars":
            return replace(plan, outcome="not_refundable", balance=balance)
        if row.status == "refunded":
            return replace(plan, outcome="already_refunded", balance=balance)
        if row.status == "refunding":
            return replace(plan, debited=row.refund_debit or 0, balance=balance)
        if row.status != "paid" or not row.provider_charge_id:
            return replace(plan, outcome="not_paid", balance=balance)
        owed = row.credited or 0
        if balance < owed and not force:
            return replace(plan, outcome="insufficient", missing=owed - balance, balance=balance)
        debit = min(owed, balance)
        if debit > 0:
            await wallet.apply(
                conn,
                row.user_id,
                -debit,
                kind="topup-refund",
                ref=f"stars-refund:{row.provider_charge_id}",
                note=f"admin {admin_id}",
                now=now,
            )
        short = owed - debit
        await conn.execute(
            "UPDATE payments SET status = 'refunding', refund_debit = ?, refunded_by = ?,"
            " note = COALESCE(note || ' ', '') || ?, updated_at = ? WHERE id = ?",
            (debit, admin_id, f"refund-short:{short}" if short else "refund", now, row.id),
        )
        await conn.execute(
            "INSERT INTO admin_audit (admin_id, action, target, details, created_at)"
            " VALUES (?, 'stars-refund', ?, ?, ?)",
            (admin_id, str(row.user_id), f"payment #{row.id} {row.stars} XTR", now),
        )
        balance = await balance_of(conn, row.user_id)
    return replace(plan, debited=debit, missing=short, balance=balance)


async def mark_stars_refunded(db: Database, payment_id: int, now: int | None = None) -> bool:
    """Telegram refunded the Stars (or said it already had): the payment is refunded."""
    async with db.transaction() as conn:
        row = await payment_where(conn, "id = ?", (payment_id,))
        if row is None or row.status != "refunding":
            return False
        await _mark_refunded(conn, row, now or int(time.time()))
        return True


async def _mark_refunded(conn: Tx, row: PaymentView, now: int) -> None:
    await conn.execute(
        "UPDATE payments SET status = 'refunded', refunded_at = ?, updated_at = ? WHERE id = ?",
        (now, now, row.id),
    )
    await outbox.enqueue(
        conn,
        row.user_id,
        "payments-refunded",
        {
            "stars": row.stars or 0,
            "amount": amount_param(row.refund_debit or 0, row.currency),
            "balance": amount_param(await balance_of(conn, row.user_id), row.currency),
        },
        dedup=f"refunded:{row.provider_charge_id}",
    )
