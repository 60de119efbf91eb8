"""Placing orders with the wallet, and reading them back.

An order goes `submitting -> pending | failed | unknown`, then follows the panel's status.
The debit and the `submitting` row are one `BEGIN IMMEDIATE` transaction written before the
panel is called, so a crash mid-call leaves a `submitting` row that start-up turns into
`unknown` (money held, operators asked). `add` is sent once per confirmation; only an
attempt that provably never reached the panel (`PanelNotSent`) is sent a second time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import aiosqlite

from bot.config import Settings
from bot.db import Database
from bot.money import MAX_AMOUNT, format_amount, to_micros
from bot.panel import (
    AddResult,
    OrderState,
    OrderStatus,
    PanelClient,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
    normalize_kind,
)
from bot.panel.models import OrderKind
from bot.services import outbox, pricing, wallet
from bot.services.catalog import DEFAULT_CURRENCY
from bot.services.catalog import currency as shop_currency  # one definition, kept by the sync

log = logging.getLogger(__name__)

# Every status an order row can have, in the order the UI lists them.
ORDER_STATUSES = (
    "submitting",
    "unknown",
    "failed",
    "pending",
    "in_progress",
    "processing",
    "completed",
    "partial",
    "canceled",
    "refunded",
    "active",
    "error",
)
# Statuses the panel reports once it has the order; "error" is the panel's Fail/Error.
PANEL_STATUS_BY_STATE: dict[OrderState, str] = {
    OrderState.PENDING: "pending",
    OrderState.IN_PROGRESS: "in_progress",
    OrderState.PROCESSING: "processing",
    OrderState.COMPLETED: "completed",
    OrderState.PARTIAL: "partial",
    OrderState.CANCELED: "canceled",
    OrderState.REFUNDED: "refunded",
    OrderState.ACTIVE: "active",
    OrderState.FAILED: "error",
}
# Statuses still moving at the panel (worth polling / refreshing).
OPEN_STATUSES = frozenset({"pending", "in_progress", "processing", "active"})
# Transitions that move money or call for a notification belong to the tracker; a manual
# refresh that sees one stores the numbers and makes the order due for the tracker at once.
TRACKER_STATUSES = frozenset({"completed", "partial", "canceled", "refunded", "error"})
# Settled orders: their money is final (refunds done), so nothing the panel says later may
# reopen them; a flaky or lagging panel answer would otherwise revive a refunded order.
FINAL_STATUSES = frozenset({"completed", "partial", "canceled", "refunded", "failed"})

MAINTENANCE_KEY = "maintenance"
RESERVED_FIELDS = frozenset({"key", "action", "service"})
# A rate-limited first attempt is retried after at most this many seconds.
MAX_NOT_SENT_WAIT = 3.0

Outcome = Literal[
    "placed",
    "failed",
    "unknown",
    "insufficient",
    "duplicate",
    "unavailable",
    "maintenance",
    "price_changed",
]


@dataclass(frozen=True)
class Draft:
    user_id: int
    service_id: str
    fields: dict[str, str | int]  # exactly the panel `add` fields except key/action/service
    quantity: int  # units charged for (quantity x runs for drip-feed; 1 for packages)
    link: str | None = None


@dataclass(frozen=True)
class Quote:
    charge: int  # micro-units the user pays, markup included, rounded up
    balance: int  # wallet now
    balance_after: int  # may be negative = not enough
    currency: str


@dataclass(frozen=True)
class PlaceResult:
    outcome: Outcome
    order_id: int | None = None
    panel_order_id: str | None = None
    charge: int = 0
    missing: int = 0  # for "insufficient": how much more the wallet needs
    reason: str | None = None  # the panel's message for "failed"
    panel_out_of_funds: bool = False  # "failed" because the operator's panel account is empty


@dataclass(frozen=True)
class OrderView:
    id: int
    user_id: int
    service_id: str
    service_name: str
    status: str
    panel_order_id: str | None
    link: str | None
    quantity: int
    fields: dict[str, Any]
    charge: int
    cost: int | None
    start_count: int | None
    remains: int | None
    refunded: int
    error: str | None
    created_at: int
    updated_at: int
    status_changed_at: int

    @property
    def progress(self) -> int | None:
        """Delivered share in percent, from quantity and remains; None when unknown."""
        if self.status == "completed":
            return 100
        if self.remains is None or self.quantity <= 0:
            return None
        delivered = min(max(self.quantity - self.remains, 0), self.quantity)
        return delivered * 100 // self.quantity


@dataclass(frozen=True)
class Page:
    items: list[OrderView]
    page: int  # 0-based, clamped into range
    pages: int  # at least 1
    total: int
    per_page: int = 5
    has_prev: bool = field(init=False)
    has_next: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_prev", self.page > 0)
        object.__setattr__(self, "has_next", self.page + 1 < self.pages)


class ServiceUnavailable(LookupError):
    """The service is not offered for ordering (gone, hidden, unknown type, bad quantity)."""


@dataclass(frozen=True)
class _Offer:
    service_id: str
    name: str
    kind: OrderKind
    rate: int
    charge: int


def new_confirm_token() -> str:
    """A short random token for one summary's Confirm button (fits in callback data)."""
    return secrets.token_hex(6)


# --------------------------------------------------------------------------- small reads


async def maintenance_on(db: Database) -> bool:
    value = await db.fetchval("SELECT value FROM kv WHERE key = ?", (MAINTENANCE_KEY,))
    return str(value or "").strip().lower() == "on"


# SQLite stores signed 64-bit integers; a bigger number from the panel cannot be a real count.
_SQLITE_INT_MAX = 2**63 - 1


def storable_count(value: int | None) -> int | None:
    """A panel count (remains, start_count) as stored: None (keep what we have) when it is
    absent or too big to be real, so one absurd answer cannot fail a whole write."""
    if value is None or abs(value) > _SQLITE_INT_MAX:
        return None
    return value


def cost_micros(charge: Decimal | None) -> int | None:
    """What the panel says it charged us, in micro-units; None when absent or absurd
    (negative, or beyond money.MAX_AMOUNT): a cost is information, never worth losing the
    order over."""
    if charge is None or not charge.is_finite() or charge < 0 or charge > MAX_AMOUNT:
        return None
    return to_micros(charge)


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


async def _offer(db: Database, settings: Settings, draft: Draft) -> _Offer:
    """Re-read the service and price the draft; raises ServiceUnavailable if not orderable."""
    if RESERVED_FIELDS & set(draft.fields):
        raise ValueError("draft fields must not contain key/action/service")
    row = await db.fetchone(
        "SELECT id, name, kind, rate, min_qty, max_qty, available, hidden FROM services"
        " WHERE id = ?",
        (str(draft.service_id),),
    )
    if row is None or not row["available"] or row["hidden"]:
        raise ServiceUnavailable(draft.service_id)
    kind = normalize_kind(row["kind"])
    if kind is None or draft.quantity < 1:
        raise ServiceUnavailable(draft.service_id)
    if not pricing.is_package(kind):
        # min..max bounds one run (drip-feed) or the subscription's max; else the quantity.
        if kind is OrderKind.SUBSCRIPTIONS:
            per_run = _int(draft.fields.get("max"))
        elif "quantity" in draft.fields:
            per_run = _int(draft.fields["quantity"])
        else:
            per_run = draft.quantity
        if per_run is None or not int(row["min_qty"]) <= per_run <= int(row["max_qty"]):
            raise ServiceUnavailable(draft.service_id)
    markup = await pricing.service_markup(db, str(row["id"]), settings.markup_percent)
    charge = pricing.order_price(int(row["rate"]), kind, draft.quantity, markup)
    return _Offer(str(row["id"]), str(row["name"]), kind, int(row["rate"]), charge)


async def quote(db: Database, settings: Settings, draft: Draft) -> Quote:
    """The price of a draft and the wallet before/after. Raises ServiceUnavailable."""
    offer = await _offer(db, settings, draft)
    balance = await wallet.balance(db, draft.user_id)
    return Quote(
        charge=offer.charge,
        balance=balance,
        balance_after=balance - offer.charge,
        currency=await shop_currency(db),
    )


# --------------------------------------------------------------------------- state changes


async def _order_row(conn: aiosqlite.Connection, order_id: int) -> aiosqlite.Row | None:
    cursor = await conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,))
    return await cursor.fetchone()


async def set_order_status(
    conn: aiosqlite.Connection,
    order_id: int,
    status: str,
    *,
    now: int | None = None,
    **changes: Any,
) -> bool:
    """Set an order's status (and any of panel_order_id, cost, start_count, remains, error,
    next_poll_at, poll_errors) inside the caller's transaction. Returns True if the status
    changed; `status_changed_at` moves only then."""
    if status not in ORDER_STATUSES:
        raise ValueError(f"unknown order status {status!r}")
    allowed = {"panel_order_id", "cost", "start_count", "remains", "error", "next_poll_at",
               "poll_errors"}  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    now = now or int(time.time())
    row = await _order_row(conn, order_id)
    if row is None:
        raise LookupError(f"no order {order_id}")
    changed = row["status"] != status
    columns = ["status = ?", "updated_at = ?"]
    values: list[Any] = [status, now]
    if changed:
        columns.append("status_changed_at = ?")
        values.append(now)
    for name, value in changes.items():
        columns.append(f"{name} = ?")
        values.append(value)
    values.append(order_id)
    await conn.execute(f"UPDATE orders SET {', '.join(columns)} WHERE id = ?", values)
    return changed


async def refund_order(
    conn: aiosqlite.Connection,
    order_id: int,
    amount: int | None = None,
    *,
    note: str | None = None,
    now: int | None = None,
) -> int:
    """Give money of an order back inside the caller's transaction; returns the micro-units
    refunded by this call (0: nothing was left, or this very step was already applied).

    Default: everything not yet refunded; never more than `charge - refunded`, re-read here,
    so all refunds of an order together never exceed its charge. The ledger ref names the
    step: `order:<id>:refund` gives back everything left (so it can happen once), a smaller
    amount (a Partial's undelivered share) is `order:<id>:refund:part:<refunded so far>`;
    an operator can still refund the rest after a Partial. A replay of a step finds its ref
    and moves nothing."""
    row = await _order_row(conn, order_id)
    if row is None:
        raise LookupError(f"no order {order_id}")
    refunded = int(row["refunded"])
    left = int(row["charge"]) - refunded
    amount = left if amount is None else min(amount, left)
    if amount <= 0:
        return 0
    ref = f"order:{order_id}:refund"
    if amount < left:
        ref = f"{ref}:part:{refunded}"
    applied = await wallet.apply(
        conn,
        int(row["user_id"]),
        amount,
        kind="refund",
        ref=ref,
        order_id=order_id,
        note=note,
        now=now,
    )
    if not applied:
        return 0
    await conn.execute("UPDATE orders SET refunded = refunded + ? WHERE id = ?", (amount, order_id))
    return amount


async def _alert_params(
    conn: aiosqlite.Connection, order_id: int, currency: str, reason: str | None = None
) -> dict[str, str]:
    cursor = await conn.execute(
        "SELECT o.id, o.user_id, o.service_id, o.charge, o.panel_order_id, o.link, o.error,"
        " COALESCE(s.name, o.service_id) AS service_name"
        " FROM orders o LEFT JOIN services s ON s.id = o.service_id WHERE o.id = ?",
        (order_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        raise LookupError(f"no order {order_id}")
    # Strings only: Fluent would group digits of numbers ("23,501").
    return {
        "order_id": str(row["id"]),
        "user_id": str(row["user_id"]),
        "service": f"{row['service_name']} (#{row['service_id']})",
        "charge": format_amount(int(row["charge"]), currency),
        "panel_order_id": row["panel_order_id"] or "—",
        "link": row["link"] or "—",
        "reason": reason or row["error"] or "—",
    }


def _unknown_buttons(order_id: int) -> list[list[outbox.Button]]:
    # the admin feature's "placed as #…" / "not placed, refund" buttons (late import: admin
    # imports this module)
    from bot.services.admin import unknown_buttons

    return unknown_buttons(order_id)


async def alert_operators(
    conn: aiosqlite.Connection,
    settings: Settings,
    order_id: int,
    kind: Literal["failed", "unknown", "panel-funds"],
    *,
    currency: str = DEFAULT_CURRENCY,
    reason: str | None = None,
) -> bool:
    """Queue one operator alert about an order (at most once per order and kind)."""
    key = {
        "failed": "alert-order-failed",
        "unknown": "alert-order-unknown",
        "panel-funds": "alert-panel-funds",
    }[kind]
    return await outbox.enqueue(
        conn,
        settings.admin_chat_id,
        key,
        await _alert_params(conn, order_id, currency, reason),
        lang=settings.default_language,
        dedup=f"alert:order:{order_id}:{kind}",
        buttons=_unknown_buttons(order_id) if kind == "unknown" else None,
    )


async def fail_order(
    db: Database,
    settings: Settings,
    order_id: int,
    error: str,
    *,
    panel_out_of_funds: bool = False,
    currency: str = DEFAULT_CURRENCY,
) -> bool:
    """`failed` + full refund + operator alert, in one transaction; safe to repeat (the
    refund and the alerts happen once). Returns True if this call refunded."""
    async with db.transaction() as conn:
        await set_order_status(conn, order_id, "failed", error=error[:500])
        refunded = await refund_order(conn, order_id) > 0
        await alert_operators(conn, settings, order_id, "failed", currency=currency, reason=error)
        if panel_out_of_funds:
            await alert_operators(
                conn, settings, order_id, "panel-funds", currency=currency, reason=error
            )
    return refunded


async def mark_unknown(
    db: Database, settings: Settings, order_id: int, error: str, *, currency: str = DEFAULT_CURRENCY
) -> None:
    """`unknown`: the panel may or may not have the order. Money stays held; operators
    decide (never a second `add`)."""
    async with db.transaction() as conn:
        await set_order_status(conn, order_id, "unknown", error=error[:500])
        await alert_operators(conn, settings, order_id, "unknown", currency=currency, reason=error)


# --------------------------------------------------------------------------- placing


async def _send_add(panel: PanelClient, service_id: str, fields: dict[str, str | int]) -> AddResult:
    """`add`, sent a second time only if the first attempt provably never left."""
    try:
        return await panel.add(service_id, fields)
    except PanelNotSent as exc:
        log.warning("add for service %s not sent (%s); sending once more", service_id, exc)
        if isinstance(exc, PanelRateLimited) and exc.retry_after:
            await asyncio.sleep(min(exc.retry_after, MAX_NOT_SENT_WAIT))
    return await panel.add(service_id, fields)


async def place_order(
    db: Database,
    panel: PanelClient,
    settings: Settings,
    draft: Draft,
    confirm_token: str,
    *,
    max_charge: int | None = None,
) -> PlaceResult:
    """Charge the wallet and place the order at the panel. See the module docstring.

    `max_charge`: the price the user saw on the summary they confirmed. The price is
    computed again here (a catalog sync or /markup may have changed it meanwhile); if it
    is now higher, nothing is charged and the outcome is "price_changed" (ask again)."""
    if await maintenance_on(db):
        return PlaceResult("maintenance")
    try:
        offer = await _offer(db, settings, draft)
    except ServiceUnavailable:
        return PlaceResult("unavailable")
    if max_charge is not None and offer.charge > max_charge:
        log.info("price of %s rose from %s to %s since the summary", offer.service_id,
                 max_charge, offer.charge)  # fmt: skip
        return PlaceResult("price_changed", charge=offer.charge)
    currency = await shop_currency(db)
    fields = dict(draft.fields)
    now = int(time.time())

    try:
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id, panel_order_id, charge FROM orders WHERE confirm_token = ?",
                (confirm_token,),
            )
            existing = await cursor.fetchone()
            if existing is not None:
                return PlaceResult(
                    "duplicate",
                    order_id=int(existing["id"]),
                    panel_order_id=existing["panel_order_id"],
                    charge=int(existing["charge"]),
                )
            cursor = await conn.execute(
                "INSERT INTO orders (user_id, service_id, confirm_token, status, link, quantity,"
                " fields, charge, status_changed_at, created_at, updated_at)"
                " VALUES (?, ?, ?, 'submitting', ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.user_id,
                    offer.service_id,
                    confirm_token,
                    draft.link,
                    draft.quantity,
                    json.dumps(fields, ensure_ascii=False),
                    offer.charge,
                    now,
                    now,
                    now,
                ),
            )
            order_id = cursor.lastrowid
            assert order_id is not None
            await wallet.apply(
                conn,
                draft.user_id,
                -offer.charge,
                kind="charge",
                ref=f"order:{order_id}:charge",
                order_id=order_id,
            )
    except wallet.InsufficientFunds as exc:
        return PlaceResult("insufficient", charge=offer.charge, missing=exc.missing)

    # From here on the money is held: every path ends in pending, failed or unknown.
    try:
        result = await _send_add(panel, offer.service_id, fields)
    except PanelInsufficientFunds as exc:
        log.error("order %s: the panel account is out of funds: %s", order_id, exc.message)
        await fail_order(
            db, settings, order_id, exc.message, panel_out_of_funds=True, currency=currency
        )
        return PlaceResult(
            "failed", order_id, charge=offer.charge, reason=exc.message, panel_out_of_funds=True
        )
    except PanelRejected as exc:
        log.info("order %s rejected by the panel: %s", order_id, exc.message)
        await fail_order(db, settings, order_id, exc.message, currency=currency)
        return PlaceResult("failed", order_id, charge=offer.charge, reason=exc.message)
    except PanelNotSent as exc:
        log.warning("order %s: the panel could not be reached twice: %s", order_id, exc)
        await fail_order(db, settings, order_id, f"not sent: {exc.message}", currency=currency)
        return PlaceResult("failed", order_id, charge=offer.charge)
    except PanelOutcomeUnknown as exc:
        log.error("order %s: outcome unknown: %s", order_id, exc)
        await mark_unknown(db, settings, order_id, exc.message, currency=currency)
        return PlaceResult("unknown", order_id, charge=offer.charge)
    except Exception as exc:
        log.exception("order %s: unexpected error while placing", order_id)
        await mark_unknown(
            db, settings, order_id, f"unexpected: {type(exc).__name__}", currency=currency
        )
        return PlaceResult("unknown", order_id, charge=offer.charge)

    try:
        cost = cost_micros(result.charge)
        async with db.transaction() as conn:
            # Only from `submitting`: if anything settled the order meanwhile (start-up
            # recovery of another process made it `unknown`), that decision stands and the
            # panel id goes where the operators resolving it will see it.
            row = await _order_row(conn, order_id)
            recorded = row is not None and row["status"] == "submitting"
            if recorded:
                await set_order_status(
                    conn, order_id, "pending", panel_order_id=result.order_id, cost=cost
                )
            else:
                await conn.execute(
                    "UPDATE orders SET error = substr(? || coalesce(' | ' || error, ''), 1, 500)"
                    " WHERE id = ?",
                    (f"placed at the panel as #{result.order_id}", order_id),
                )
        if not recorded:
            log.error("order %s placed as panel order %s after it was settled as %s",
                      order_id, result.order_id, row["status"] if row else None)  # fmt: skip
            return PlaceResult("unknown", order_id, result.order_id, charge=offer.charge)
    except Exception as exc:
        # The panel has the order but we could not record it: the money stays held and the
        # operators get the panel id now (if even that fails, start-up recovery does it).
        log.exception("order %s placed as panel order %s but not recorded", order_id,
                      result.order_id)  # fmt: skip
        try:
            await mark_unknown(
                db,
                settings,
                order_id,
                f"placed at the panel as #{result.order_id} but not recorded: {type(exc).__name__}",
                currency=currency,
            )
        except Exception:
            log.exception("order %s: could not mark it unknown either", order_id)
        return PlaceResult("unknown", order_id, result.order_id, charge=offer.charge)
    log.info("order %s placed: panel order %s", order_id, result.order_id)
    return PlaceResult("placed", order_id, result.order_id, charge=offer.charge)


async def recover_submitting(db: Database, settings: Settings) -> int:
    """At start-up: every order still `submitting` (the process died around `add`) becomes
    `unknown` with an operator alert. Returns how many."""
    currency = await shop_currency(db)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT id FROM orders WHERE status = 'submitting'")
        ids = [int(row[0]) for row in await cursor.fetchall()]
        for order_id in ids:
            reason = "interrupted while placing (found at start-up)"
            await set_order_status(conn, order_id, "unknown", error=reason)
            await alert_operators(conn, settings, order_id, "unknown", currency=currency,
                                  reason=reason)  # fmt: skip
    if ids:
        log.warning("%d order(s) left submitting became unknown: %s", len(ids), ids)
    return len(ids)


# --------------------------------------------------------------------------- reading

_VIEW_SQL = (
    "SELECT o.id, o.user_id, o.service_id, COALESCE(s.name, o.service_id) AS service_name,"
    " o.status, o.panel_order_id, o.link, o.quantity, o.fields, o.charge, o.cost,"
    " o.start_count, o.remains, o.refunded, o.error, o.created_at, o.updated_at,"
    " o.status_changed_at"
    " FROM orders o LEFT JOIN services s ON s.id = o.service_id"
)


def _view(row: aiosqlite.Row) -> OrderView:
    data = dict(row)
    try:
        data["fields"] = json.loads(data["fields"] or "{}")
    except ValueError:
        data["fields"] = {}
    data["service_name"] = str(data["service_name"])
    return OrderView(**data)


async def list_orders(db: Database, user_id: int, page: int, per_page: int = 5) -> Page:
    """The user's orders, newest first; `page` is clamped into range."""
    per_page = max(1, per_page)
    total = int(await db.fetchval("SELECT COUNT(*) FROM orders WHERE user_id = ?", (user_id,)) or 0)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(0, page), pages - 1)
    rows = await db.fetchall(
        f"{_VIEW_SQL} WHERE o.user_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?",
        (user_id, per_page, page * per_page),
    )
    return Page([_view(r) for r in rows], page, pages, total, per_page)


async def get_order(db: Database, user_id: int, order_id: int) -> OrderView | None:
    """The order, or None unless it belongs to `user_id`."""
    row = await db.fetchone(f"{_VIEW_SQL} WHERE o.id = ? AND o.user_id = ?", (order_id, user_id))
    return None if row is None else _view(row)


async def get_order_any(db: Database, order_id: int) -> OrderView | None:
    """Any user's order (operators, notifications)."""
    row = await db.fetchone(f"{_VIEW_SQL} WHERE o.id = ?", (order_id,))
    return None if row is None else _view(row)


async def store_panel_status(
    conn: aiosqlite.Connection, order_id: int, status: OrderStatus
) -> bool:
    """Store what the panel reports about an order (numbers always; the status only for
    open statuses, see TRACKER_STATUSES, and never for a settled order, see
    FINAL_STATUSES). Returns True if the status changed."""
    row = await _order_row(conn, order_id)
    if row is None:
        raise LookupError(f"no order {order_id}")
    current = str(row["status"])
    settled = current in FINAL_STATUSES
    changes: dict[str, Any] = {}
    start_count = storable_count(status.start_count)
    remains = storable_count(status.remains)
    cost = cost_micros(status.charge)
    if start_count is not None:
        changes["start_count"] = start_count
    if remains is not None and not settled:
        # a settled order keeps the remains its refund was computed from
        changes["remains"] = remains
    if cost is not None:
        changes["cost"] = cost
    new = PANEL_STATUS_BY_STATE.get(status.status) if status.status is not None else None
    target = current
    if new is not None and new != current and not settled:
        if new in TRACKER_STATUSES:
            changes["next_poll_at"] = 0  # the tracker takes it from here, right away
        else:
            target = new
    return await set_order_status(conn, order_id, target, **changes)


async def refresh_order(
    db: Database, panel: PanelClient, user_id: int, order_id: int
) -> OrderView | None:
    """Ask the panel about this order now and store the answer. None unless the order is
    the user's. Panel errors (PanelError) propagate: the caller says "try later"."""
    view = await get_order(db, user_id, order_id)
    if view is None or view.panel_order_id is None:
        return view
    status = await panel.status(view.panel_order_id)
    async with db.transaction() as conn:
        await store_panel_status(conn, order_id, status)
    return await get_order(db, user_id, order_id)
