"""Promo codes: what operators make (/promo) and what customers redeem.

Three kinds, fixed when the code is made:
- `amount`: a fixed sum credited to the balance at once;
- `topup`: a percent bonus on the customer's next top-up (of at least `min_topup`), credited
  by the payment's own transaction (`topup_bonus`, called from the credit path);
- `order`: a percent discount on the customer's next order (`order_discount` for the quote,
  `use_discount` in the charge's transaction).

Rules, each kept by the database rather than by a check that could race:
- a code is used once per customer: `promo_redemptions` has UNIQUE (code, user_id) and the
  ledger row of a use has the ref `promo:<code>:<user>`;
- `uses=N`: `UPDATE ... SET used = used + 1 WHERE used < uses` in the use's transaction, so
  two customers racing for the last use cannot both get it;
- codes are stored lower-case (case-insensitive); `until` is the last UTC day it works;
- 10 unknown codes within 10 minutes lock the customer's entry for an hour (attempts are
  rows, so the lock holds across restarts and processes).
A percent code waits as a `pending` redemption until its top-up or order; /promo off stops
new uses and the pending ones.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from bot.db import Database, Queryable, Tx
from bot.money import AmountError, amount_param, parse_amount
from bot.services import audit, catalog, outbox, wallet
from bot.services.referrals import parse_percent, share

Kind = Literal["amount", "topup", "order"]
KIND_LEDGER = "promo"
CODE_RE = re.compile(r"^[a-z0-9_-]{2,32}$")
WRONG_LIMIT = 10  # unknown codes ...
WRONG_WINDOW = 600  # ... within this many seconds ...
LOCK_SECONDS = 3600  # ... lock the entry for this long
_KEEP_ATTEMPTS = WRONG_WINDOW + LOCK_SECONDS
_PERCENT_RE = re.compile(r"^(?P<percent>[0-9]+(?:[.,][0-9]+)?)%:(?P<kind>topup|order)$")


def normalize(code: str) -> str:
    return code.strip().lower()


def ledger_ref(code: str, user_id: int) -> str:
    return f"promo:{code}:{user_id}"


# --------------------------------------------------------------------------- operators


@dataclass(frozen=True)
class Spec:
    """A code as /promo add describes it."""

    code: str
    kind: Kind
    amount: int = 0  # micro-units, kind amount
    percent: Decimal = Decimal(0)  # kind topup | order
    uses: int | None = None
    ends_at: int | None = None  # unix seconds it stops working (the day after `until`)
    min_topup: int = 0


class SpecError(ValueError):
    """A /promo add argument that is wrong; `key` names the translated answer."""

    def __init__(self, key: str, value: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.value = value


def _value(spec_value: str) -> tuple[Kind, int, Decimal]:
    if "%" in spec_value:
        match = _PERCENT_RE.match(spec_value.lower())
        percent = None if match is None else parse_percent(match["percent"])
        if match is None or percent is None or percent <= 0:
            raise SpecError("admin-promo-bad-percent", spec_value)
        return match["kind"], 0, percent  # type: ignore[return-value]
    try:
        return "amount", parse_amount(spec_value), Decimal(0)
    except AmountError:
        raise SpecError("admin-promo-bad-value", spec_value) from None


def _day_end(text: str) -> int:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise SpecError("admin-promo-bad-option", f"until={text}") from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + 86400)


def parse_spec(args: list[str]) -> Spec:
    """`CODE VALUE [uses=N] [per_user=1] [until=YYYY-MM-DD] [min_topup=X]`; VALUE is an
    amount (`5`, `2.50`) or `<percent>%:topup` / `<percent>%:order`. Raises SpecError."""
    if len(args) < 2:
        raise SpecError("admin-usage-promo")
    code = normalize(args[0])
    if not CODE_RE.match(code):
        raise SpecError("admin-promo-bad-code", args[0])
    kind, amount, percent = _value(args[1])
    options: dict[str, str] = {}
    for item in args[2:]:
        name, sep, value = item.partition("=")
        if not sep or name.lower() not in ("uses", "per_user", "until", "min_topup"):
            raise SpecError("admin-promo-bad-option", item)
        options[name.lower()] = value
    uses = None
    if "uses" in options:
        if not options["uses"].isdigit() or not 0 < int(options["uses"]) <= 10**9:
            raise SpecError("admin-promo-bad-option", f"uses={options['uses']}")
        uses = int(options["uses"])
    # every code is once per customer (the ledger ref promo:<code>:<user> is unique)
    if options.get("per_user", "1") != "1":
        raise SpecError("admin-promo-bad-option", f"per_user={options['per_user']}")
    ends_at = _day_end(options["until"]) if "until" in options else None
    min_topup = 0
    if "min_topup" in options:
        try:
            min_topup = parse_amount(options["min_topup"])
        except AmountError:
            raise SpecError("admin-promo-bad-option", f"min_topup={options['min_topup']}") from None
    return Spec(code, kind, amount, percent, uses, ends_at, min_topup)


async def create(db: Database, admin_id: int, spec: Spec, *, now: int | None = None) -> bool:
    """Store a new code (audited); False if the code exists already."""
    now = now or int(time.time())
    async with db.transaction() as conn:
        written = await conn.execute(
            "INSERT INTO promo_codes (code, kind, amount, percent, uses, ends_at, min_topup,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (code) DO NOTHING",
            (
                spec.code, spec.kind, spec.amount, str(spec.percent) if spec.percent else None,
                spec.uses, spec.ends_at, spec.min_topup, admin_id, now,
            ),
        )  # fmt: skip
        if written:
            details = f"{spec.kind} {spec.amount or spec.percent} uses={spec.uses}"
            await audit.write(conn, admin_id, "promo-add", spec.code, details)
    return written > 0


async def switch_off(db: Database, admin_id: int, code: str) -> bool:
    """/promo off: no new uses, and pending ones lapse. False if unknown or off already."""
    code = normalize(code)
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE promo_codes SET active = 0 WHERE code = ? AND active = 1", (code,)
        )
        if changed:
            await audit.write(conn, admin_id, "promo-off", code)
    return changed > 0


@dataclass(frozen=True)
class PromoCode:
    code: str
    kind: Kind
    amount: int
    percent: Decimal
    uses: int | None
    used: int
    ends_at: int | None
    min_topup: int
    active: bool

    def state(self, now: int) -> Literal["active", "off", "expired", "used-up"]:
        if not self.active:
            return "off"
        if self.ends_at is not None and now >= self.ends_at:
            return "expired"
        if self.uses is not None and self.used >= self.uses:
            return "used-up"
        return "active"

    @property
    def last_day(self) -> str | None:
        """`until` as typed: the last UTC day the code works."""
        if self.ends_at is None:
            return None
        return (datetime.fromtimestamp(self.ends_at, UTC) - timedelta(days=1)).date().isoformat()


_CODE_COLUMNS = "code, kind, amount, percent, uses, used, ends_at, min_topup, active"


def _code(row: object) -> PromoCode:
    data = dict(row)  # type: ignore[call-overload]
    data["percent"] = Decimal(data["percent"] or 0)
    data["active"] = bool(data["active"])
    return PromoCode(**data)


async def list_codes(db: Database, limit: int = 30) -> list[PromoCode]:
    rows = await db.fetchall(
        f"SELECT {_CODE_COLUMNS} FROM promo_codes ORDER BY created_at DESC, code LIMIT ?",
        (limit,),
    )
    return [_code(r) for r in rows]


async def total_given(db: Database) -> int:
    """Money promo codes put on balances (/stats); discounts are not money moved."""
    value = await db.fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind = ?", (KIND_LEDGER,)
    )
    return int(value or 0)


# --------------------------------------------------------------------------- customers

Outcome = Literal[
    "credited", "pending", "unknown", "expired", "used-up", "already", "has-pending", "locked"
]


@dataclass(frozen=True)
class Redeemed:
    outcome: Outcome
    code: PromoCode | None = None
    balance: int = 0  # after a credit


class _Refused(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome)
        self.outcome = outcome


async def _locked(conn: Tx, user_id: int, now: int) -> bool:
    rows = await conn.fetchall(
        "SELECT at FROM promo_attempts WHERE user_id = ? AND at > ? ORDER BY at DESC LIMIT ?",
        (user_id, now - _KEEP_ATTEMPTS, WRONG_LIMIT),
    )
    if len(rows) < WRONG_LIMIT:
        return False
    newest, oldest = int(rows[0][0]), int(rows[-1][0])
    return newest - oldest <= WRONG_WINDOW and now < newest + LOCK_SECONDS


async def _wrong(conn: Tx, user_id: int, now: int) -> None:
    await conn.execute(
        "DELETE FROM promo_attempts WHERE user_id = ? AND at <= ?", (user_id, now - _KEEP_ATTEMPTS)
    )
    await conn.execute("INSERT INTO promo_attempts (user_id, at) VALUES (?, ?)", (user_id, now))


async def redeem(db: Database, user_id: int, typed: str, *, now: int | None = None) -> Redeemed:
    """A customer enters a code. One transaction: the use is counted, the redemption row
    and (for an amount) the ledger row written together, or nothing is."""
    now = now or int(time.time())
    code_text = normalize(typed)
    try:
        async with db.transaction() as conn:
            if await _locked(conn, user_id, now):
                return Redeemed("locked")
            row = None
            if CODE_RE.match(code_text):
                row = await conn.fetchone(
                    f"SELECT {_CODE_COLUMNS} FROM promo_codes WHERE code = ?", (code_text,)
                )
            if row is None:
                await _wrong(conn, user_id, now)
                return Redeemed("unknown")
            code = _code(row)
            return await _use(conn, code, user_id, now)
    except _Refused as refused:  # rolled back: the use counted is given back
        return Redeemed(refused.outcome)


async def _use(conn: Tx, code: PromoCode, user_id: int, now: int) -> Redeemed:
    state = code.state(now)
    if state in ("off", "expired"):
        return Redeemed("expired", code)
    if await conn.fetchone(
        "SELECT 1 FROM promo_redemptions WHERE code = ? AND user_id = ?", (code.code, user_id)
    ):
        return Redeemed("already", code)
    if code.kind != "amount" and await _pending(conn, user_id, code.kind) is not None:
        return Redeemed("has-pending", code)
    counted = await conn.execute(
        "UPDATE promo_codes SET used = used + 1"
        " WHERE code = ? AND active = 1 AND (uses IS NULL OR used < uses)",
        (code.code,),
    )
    if not counted:
        return Redeemed("used-up", code)
    done = code.kind == "amount"
    written = await conn.execute(
        "INSERT INTO promo_redemptions (code, user_id, kind, state, created_at, used_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code, user_id) DO NOTHING",
        (code.code, user_id, code.kind, "done" if done else "pending", now, now if done else None),
    )
    if not written:  # the same customer, twice at once: the other one counted
        raise _Refused("already")
    if not done:
        return Redeemed("pending", code)
    await wallet.apply(
        conn, user_id, code.amount, kind=KIND_LEDGER, ref=ledger_ref(code.code, user_id),
        note="promo code", now=now,
    )  # fmt: skip
    return Redeemed("credited", code, await wallet.balance_in(conn, user_id))


@dataclass(frozen=True)
class Pending:
    """A percent code redeemed and waiting for its top-up or order."""

    redemption_id: int
    code: str
    percent: Decimal
    min_topup: int


async def _pending(source: Queryable, user_id: int, kind: str) -> Pending | None:
    row = await source.fetchone(
        "SELECT r.id, r.code, c.percent, c.min_topup FROM promo_redemptions r"
        " JOIN promo_codes c ON c.code = r.code"
        " WHERE r.user_id = ? AND r.kind = ? AND r.state = 'pending' AND c.active = 1"
        " ORDER BY r.id LIMIT 1",
        (user_id, kind),
    )
    if row is None:
        return None
    return Pending(int(row[0]), str(row[1]), Decimal(row[2] or 0), int(row[3]))


async def _mark_used(conn: Tx, redemption_id: int, now: int, order_id: int | None = None) -> bool:
    changed = await conn.execute(
        "UPDATE promo_redemptions SET state = 'done', used_at = ?, order_id = ?"
        " WHERE id = ? AND state = 'pending'",
        (now, order_id, redemption_id),
    )
    return changed > 0


async def topup_bonus(conn: Tx, user_id: int, topped_up: int, now: int) -> int:
    """Inside a top-up's credit transaction: the pending top-up code's bonus on `topped_up`
    micro-units (when at least its min_topup), as the ledger row promo:<code>:<user>.
    Returns the bonus (0: none pending, or the top-up is below the minimum)."""
    pending = await _pending(conn, user_id, "topup")
    if pending is None or topped_up <= 0 or topped_up < pending.min_topup:
        return 0
    if not await _mark_used(conn, pending.redemption_id, now):
        return 0
    bonus = share(topped_up, pending.percent)
    ref = ledger_ref(pending.code, user_id)
    await wallet.apply(
        conn, user_id, bonus, kind=KIND_LEDGER, ref=ref, note=f"{pending.percent}% of {topped_up}",
        now=now,
    )  # fmt: skip
    currency = await catalog.currency(conn)
    params = {
        "code": pending.code,
        "amount": amount_param(bonus, currency),
        "balance": amount_param(await wallet.balance_in(conn, user_id), currency),
    }
    await outbox.enqueue(conn, user_id, "promo-bonus-credited", params, dedup=ref)
    return bonus


@dataclass(frozen=True)
class Discount:
    pending: Pending
    amount: int  # micro-units off the price


async def order_discount(source: Queryable, user_id: int, price: int) -> Discount | None:
    """The discount the customer's pending order code gives on `price` (None: no code)."""
    pending = await _pending(source, user_id, "order")
    if pending is None:
        return None
    return Discount(pending, min(share(price, pending.percent), price))


async def use_discount(conn: Tx, discount: Discount, user_id: int, order_id: int, now: int) -> bool:
    """Inside the charge's transaction: the code is spent on this order (ledger row
    promo:<code>:<user> of amount 0 naming the discount: the money is the lower charge).
    False if it was spent meanwhile (another order got it first)."""
    if not await _mark_used(conn, discount.pending.redemption_id, now, order_id):
        return False
    await wallet.apply(
        conn, user_id, 0, kind=KIND_LEDGER, ref=ledger_ref(discount.pending.code, user_id),
        order_id=order_id, note=f"discount {discount.amount}", now=now,
    )  # fmt: skip
    return True
