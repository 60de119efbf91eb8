"""Referrals: a customer's invite code, who invited whom, and the inviter's bonus.

- A new user who starts the bot through `?start=ref-<code>` is attached to the code's owner
  once (`referrals.user_id` is the primary key; never to themselves; only when the user row
  was created by that very update: someone who used the bot before is not "invited").
- The inviter earns the referral percent of what the invited user paid for an order, once the
  order is settled, and only for the part not refunded: `credit_or_claw` is called by the
  order status machine (status.set_order_status) whenever an order reaches a final status, in
  the transaction of that change. Completed / Partial earn on `charge - refunded` (ledger ref
  `referral:<order id>`); a later move to a refunded status takes back that bonus's share of
  what was refunded since (ledger ref `referral-back:<order id>`). One level only.
- The percent: what an operator set with /referral (kv `referral_percent`), else the
  REFERRAL_PERCENT setting (written to kv `referral_percent_default` at start-up, so the
  status machine needs no settings). 0 = the programme is off.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from bot.db import Database, Queryable, Tx
from bot.money import amount_param
from bot.services import audit, catalog, kv, outbox, wallet

PERCENT_KEY = "referral_percent"
DEFAULT_KEY = "referral_percent_default"
MAX_PERCENT = Decimal(100)
CODE_LENGTH = 8
_CODE_ALPHABET = string.ascii_lowercase + string.digits
# Statuses that earn the inviter a bonus on what was not refunded; every other final status
# (canceled, refunded, failed) earns nothing and takes back what was earned.
EARNING_STATUSES = frozenset({"completed", "partial"})
KIND_CREDIT = "referral"
KIND_BACK = "referral-back"


def parse_percent(text: str) -> Decimal | None:
    """An operator-typed percent (`5`, `2.5`, `7%`) within 0..100; None if it is not one."""
    try:
        value = Decimal(text.strip().removesuffix("%").replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value <= MAX_PERCENT:
        return None
    return Decimal(format(value.normalize(), "f")) if value else Decimal(0)  # 20, not 2E+1


def share(amount: int, percent: Decimal) -> int:
    """`percent` of `amount` micro-units, rounded down (never more than the exact share)."""
    if amount <= 0 or percent <= 0:
        return 0
    return int((Decimal(amount) * percent / 100).to_integral_value(rounding=ROUND_DOWN))


async def current_percent(source: Queryable) -> Decimal:
    """The percent in force: the operators' value, else the setting, else 0."""
    for key in (PERCENT_KEY, DEFAULT_KEY):
        stored = await kv.get(source, key)
        if stored is not None:
            return parse_percent(stored) or Decimal(0)
    return Decimal(0)


async def store_default(db: Database, percent: Decimal) -> None:
    """Make the REFERRAL_PERCENT setting the fallback the status machine reads (start-up)."""
    async with db.transaction() as conn:
        await kv.put(conn, DEFAULT_KEY, str(percent))


async def set_percent(db: Database, admin_id: int, percent: Decimal) -> None:
    """/referral <percent>: stored and audited together."""
    async with db.transaction() as conn:
        await kv.put(conn, PERCENT_KEY, str(percent))
        await audit.write(conn, admin_id, "referral", "percent", f"{percent}%")


# --------------------------------------------------------------------------- codes, joining


async def code_of(db: Database, user_id: int) -> str:
    """The user's invite code, made on first use (random, so it does not reveal the id)."""
    found = await db.fetchval("SELECT code FROM referral_codes WHERE user_id = ?", (user_id,))
    if found is not None:
        return str(found)
    async with db.transaction() as conn:
        while True:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
            written = await conn.execute(
                "INSERT INTO referral_codes (user_id, code, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (user_id, code, int(time.time())),
            )
            if written:
                return code
            again = await conn.fetchval(
                "SELECT code FROM referral_codes WHERE user_id = ?", (user_id,)
            )
            if again is not None:  # made meanwhile by another update of the same user
                return str(again)


async def attach(db: Database, user_id: int, code: str, *, is_new: bool) -> bool:
    """Attach `user_id` to the owner of `code`; True if this call did. Refused: an unknown
    code, the user's own code, a user who had used the bot before (`is_new` False: the
    user row was not created by this update), a user already attached."""
    if not is_new:
        return False
    code = code.strip().lower()
    async with db.transaction() as conn:
        inviter = await conn.fetchval("SELECT user_id FROM referral_codes WHERE code = ?", (code,))
        if inviter is None or int(inviter) == user_id:
            return False
        written = await conn.execute(
            "INSERT INTO referrals (user_id, inviter_id, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, int(inviter), int(time.time())),
        )
    return written > 0


async def inviter_of(source: Queryable, user_id: int) -> int | None:
    value = await source.fetchval("SELECT inviter_id FROM referrals WHERE user_id = ?", (user_id,))
    return None if value is None else int(value)


@dataclass(frozen=True)
class Summary:
    """The "Invite friends" screen and the operators' user card."""

    joined: int  # users this one invited
    earned: int  # micro-units, bonuses minus claw-backs


async def summary(db: Database, user_id: int) -> Summary:
    joined = await db.fetchval("SELECT COUNT(*) FROM referrals WHERE inviter_id = ?", (user_id,))
    earned = await db.fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE user_id = ? AND kind IN (?, ?)",
        (user_id, KIND_CREDIT, KIND_BACK),
    )
    return Summary(int(joined or 0), int(earned or 0))


async def total_paid(db: Database) -> int:
    """All referral bonuses net of claw-backs (/stats)."""
    value = await db.fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind IN (?, ?)",
        (KIND_CREDIT, KIND_BACK),
    )
    return int(value or 0)


# --------------------------------------------------------------------------- the bonus


async def with_inviter(conn: Tx, order_ids: Sequence[int]) -> set[int]:
    """Which of these orders are an invited customer's: the only ones `credit_or_claw` has
    work for (a poll batch asks once, not once per order)."""
    if not order_ids:
        return set()
    marks = ", ".join("?" for _ in order_ids)
    rows = await conn.fetchall(
        "SELECT o.id FROM orders o JOIN referrals r ON r.user_id = o.user_id"
        f" WHERE o.id IN ({marks})",
        list(order_ids),
    )
    return {int(row[0]) for row in rows}


async def credit_or_claw(conn: Tx, order_id: int, status: str, now: int) -> int:
    """An order has just reached the final `status` (inside its transaction): credit the
    inviter's bonus, or take back what later refunds removed from its base. Returns the
    micro-units moved (negative: taken back); 0 when there is nothing to do."""
    order = await conn.fetchone(
        "SELECT o.charge, o.refunded, r.inviter_id FROM orders o"
        " JOIN referrals r ON r.user_id = o.user_id WHERE o.id = ?",
        (order_id,),
    )
    if order is None:
        return 0
    kept = int(order["charge"]) - int(order["refunded"])
    reward = await conn.fetchone(
        "SELECT inviter_id, base, amount, clawed FROM referral_rewards WHERE order_id = ?",
        (order_id,),
    )
    if reward is None:
        if status not in EARNING_STATUSES:
            return 0
        return await _credit(conn, order_id, int(order["inviter_id"]), kept, now)
    return await _claw_back(conn, order_id, reward, kept if status in EARNING_STATUSES else 0, now)


async def _credit(conn: Tx, order_id: int, inviter_id: int, base: int, now: int) -> int:
    amount = share(base, await current_percent(conn))
    if amount <= 0:
        return 0
    applied = await wallet.apply(
        conn, inviter_id, amount, kind=KIND_CREDIT, ref=f"referral:{order_id}",
        order_id=order_id, note=f"{base} paid", now=now,
    )  # fmt: skip
    if not applied:
        return 0
    await conn.execute(
        "INSERT INTO referral_rewards (order_id, inviter_id, base, amount, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (order_id, inviter_id, base, amount, now),
    )
    currency = await catalog.currency(conn)
    await outbox.enqueue(
        conn, inviter_id, "referral-earned", {"amount": amount_param(amount, currency)},
        dedup=f"referral:{order_id}",
    )  # fmt: skip
    return amount


async def _claw_back(conn: Tx, order_id: int, reward: object, kept: int, now: int) -> int:
    """Take back the bonus's share of what was refunded since it was credited: the bonus
    was `amount` for `base`; for `kept` it is `amount * kept // base` (the claw-back rounds
    up, never leaving the inviter more than the exact share). Never more than the
    inviter's balance (they may have spent it; the shortfall is noted on the row)."""
    row = dict(reward)  # type: ignore[call-overload]
    base, amount, clawed = int(row["base"]), int(row["amount"]), int(row["clawed"])
    owed = amount - (amount * min(max(kept, 0), base) // base if base else 0) - clawed
    if owed <= 0:
        return 0
    inviter = int(row["inviter_id"])
    taken = min(owed, await wallet.balance_in(conn, inviter))
    note = f"owed {owed}" + (f", short {owed - taken}" if taken < owed else "")
    if taken <= 0 or not await wallet.apply(
        conn, inviter, -taken, kind=KIND_BACK, ref=f"referral-back:{order_id}",
        order_id=order_id, note=note, now=now,
    ):  # fmt: skip
        return 0
    await conn.execute(
        "UPDATE referral_rewards SET clawed = clawed + ? WHERE order_id = ?", (owed, order_id)
    )
    return -taken
