"""What operators may do from the admin group, and the alerts the group receives.

Every action that changes something writes an `admin_audit` row in the same transaction as
the change; a repeated request (Telegram delivering a command twice, a button pressed twice)
changes nothing and records nothing. Users hear about changes to their money or orders
through the outbox, written in that same transaction.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import aiosqlite

from bot.config import Settings
from bot.db import Database
from bot.money import format_amount, to_micros
from bot.panel import PanelError
from bot.services import catalog, ordering, outbox, users, wallet
from bot.services.catalog import CatalogPanel, SyncReport
from bot.services.outbox import Button
from bot.services.pricing import GLOBAL_MARKUP_KEY, global_markup
from bot.services.users import User

log = logging.getLogger(__name__)

MAINTENANCE_KEY = ordering.MAINTENANCE_KEY
LOW_BALANCE_KEY = "admin_low_balance_alerted"
ADMIN_CACHE_SECONDS = 300
MARKUP_MIN = Decimal(-99)
MARKUP_MAX = Decimal(10000)
# the callback data prefix of bot.keyboards.admin.AdminCb; alerts built here carry its buttons
CALLBACK_PREFIX = "adm"
MAX_NOTE = 200
MAX_PANEL_ID = 64
PANEL_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# --------------------------------------------------------------------------- who is an admin


async def cached_admin(
    db: Database, chat_id: int, user_id: int, now: int | None = None
) -> bool | None:
    """The remembered answer, or None if there is none younger than ADMIN_CACHE_SECONDS."""
    now = now or int(time.time())
    row = await db.fetchone(
        "SELECT is_admin FROM admin_members WHERE chat_id = ? AND user_id = ? AND checked_at > ?",
        (chat_id, user_id, now - ADMIN_CACHE_SECONDS),
    )
    return None if row is None else bool(row[0])


async def remember_admin(
    db: Database, chat_id: int, user_id: int, is_admin: bool, now: int | None = None
) -> None:
    await db.execute(
        "INSERT INTO admin_members (chat_id, user_id, is_admin, checked_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id, user_id) DO UPDATE SET is_admin = excluded.is_admin,"
        " checked_at = excluded.checked_at",
        (chat_id, user_id, int(is_admin), now or int(time.time())),
    )


# --------------------------------------------------------------------------- audit


@dataclass(frozen=True)
class AuditEntry:
    id: int
    admin_id: int
    action: str
    target: str | None
    details: str
    created_at: int


async def audit(
    conn: aiosqlite.Connection,
    admin_id: int,
    action: str,
    target: object = None,
    details: str = "",
) -> None:
    """Record an admin action inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO admin_audit (admin_id, action, target, details, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            admin_id,
            action,
            None if target is None else str(target),
            details[:300],
            int(time.time()),
        ),
    )


async def record(
    db: Database, admin_id: int, action: str, target: object = None, details: str = ""
) -> None:
    async with db.transaction() as conn:
        await audit(conn, admin_id, action, target, details)


async def recent_audit(db: Database, limit: int = 20) -> list[AuditEntry]:
    rows = await db.fetchall(
        "SELECT id, admin_id, action, target, details, created_at FROM admin_audit"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [AuditEntry(**dict(row)) for row in rows]


# --------------------------------------------------------------------------- small helpers


currency = catalog.currency  # one definition of the shop currency


async def _kv_set(conn: aiosqlite.Connection, key: str, value: str) -> None:
    await conn.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def _kv_get(db: Database, key: str) -> str | None:
    value = await db.fetchval("SELECT value FROM kv WHERE key = ?", (key,))
    return None if value is None else str(value)


def clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    return note[:MAX_NOTE] or None


# --------------------------------------------------------------------------- users and money


@dataclass(frozen=True)
class Profile:
    user: User
    ledger: list[wallet.LedgerEntry]
    orders: list[Any]  # ordering.OrderView


find_user = users.find


async def profile(db: Database, user: User, rows: int = 5) -> Profile:
    page = await ordering.list_orders(db, user.id, 0, per_page=rows)
    return Profile(user=user, ledger=await wallet.history(db, user.id, rows), orders=page.items)


MoneyOutcome = Literal["applied", "duplicate", "insufficient", "unknown_user"]


@dataclass(frozen=True)
class MoneyResult:
    outcome: MoneyOutcome
    amount: int = 0
    balance: int = 0


async def adjust_balance(
    db: Database,
    admin_id: int,
    user_id: int,
    amount: int,
    *,
    kind: Literal["credit", "debit"],
    ref: str,
    note: str | None = None,
) -> MoneyResult:
    """Credit or debit a user's wallet once per `ref`, tell the user, record the action."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    note = clean_note(note)
    code = await currency(db)
    signed = amount if kind == "credit" else -amount
    try:
        async with db.transaction() as conn:
            applied = await wallet.apply(
                conn, user_id, signed, kind=kind, ref=ref, note=note or f"admin {admin_id}"
            )
            cursor = await conn.execute("SELECT balance FROM users WHERE id = ?", (user_id,))
            row = await cursor.fetchone()
            balance = int(row[0]) if row else 0
            if not applied:
                return MoneyResult("duplicate", amount, balance)
            await outbox.enqueue(
                conn,
                user_id,
                f"admin-notify-{kind}",
                {
                    "amount": format_amount(amount, code),
                    "balance": format_amount(balance, code),
                    "note": note or "—",
                },
                dedup=f"{ref}:notify",
            )
            await audit(
                conn, admin_id, kind, user_id, f"{format_amount(amount, code)} {note or ''}".strip()
            )
    except wallet.InsufficientFunds as exc:
        return MoneyResult("insufficient", amount, exc.balance)
    except wallet.UnknownUser:
        return MoneyResult("unknown_user", amount)
    return MoneyResult("applied", amount, balance)


async def set_banned(db: Database, admin_id: int, user_id: int, banned: bool) -> bool:
    """True if the flag changed (a repeat records nothing)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE users SET is_banned = ? WHERE id = ? AND is_banned != ?",
            (int(banned), user_id, int(banned)),
        )
        if cursor.rowcount == 0:
            return False
        await audit(conn, admin_id, "ban" if banned else "unban", user_id)
    return True


# --------------------------------------------------------------------------- catalog


async def set_hidden(db: Database, admin_id: int, service_id: str, hidden: bool) -> bool | None:
    """None: no such service; False: it already was; True: changed."""
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT hidden FROM services WHERE id = ?", (service_id,))
        row = await cursor.fetchone()
        if row is None:
            return None
        if bool(row[0]) == hidden:
            return False
        await conn.execute("UPDATE services SET hidden = ? WHERE id = ?", (int(hidden), service_id))
        await audit(conn, admin_id, "hide" if hidden else "show", service_id)
    return True


def parse_percent(text: str) -> Decimal | None:
    """`25`, `12.5`, `25%`, `-10` -> Decimal within the allowed range, else None."""
    text = text.strip().removesuffix("%").replace(",", ".")
    if not re.fullmatch(r"-?\d{1,5}(\.\d{1,2})?", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not MARKUP_MIN <= value <= MARKUP_MAX:
        return None
    return value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


@dataclass(frozen=True)
class MarkupOverview:
    global_markup: Decimal
    from_settings: bool  # True: MARKUP_PERCENT, no /markup value stored
    categories: list[tuple[int, str, str]]  # (id, name, percent)
    services: list[tuple[str, str, str]]  # (id, name, percent)


async def markup_overview(db: Database, default: Decimal) -> MarkupOverview:
    stored = await _kv_get(db, GLOBAL_MARKUP_KEY)
    cats = await db.fetchall(
        "SELECT id, name, markup_percent FROM categories WHERE markup_percent IS NOT NULL"
        " ORDER BY position, id LIMIT 50"
    )
    svcs = await db.fetchall(
        "SELECT id, name, markup_percent FROM services WHERE markup_percent IS NOT NULL"
        " ORDER BY position, id LIMIT 50"
    )
    return MarkupOverview(
        global_markup=await global_markup(db, default),
        from_settings=stored is None,
        categories=[(int(r[0]), str(r[1]), str(r[2])) for r in cats],
        services=[(str(r[0]), str(r[1]), str(r[2])) for r in svcs],
    )


async def set_global_markup(db: Database, admin_id: int, percent: Decimal) -> None:
    async with db.transaction() as conn:
        await _kv_set(conn, GLOBAL_MARKUP_KEY, str(percent))
        await audit(conn, admin_id, "markup", "global", f"{percent}%")


async def set_override_markup(
    db: Database,
    admin_id: int,
    scope: Literal["cat", "svc"],
    target: str,
    percent: Decimal | None,
) -> str | None:
    """Set (or with None clear) a category or service override. Returns the target's name,
    None if there is no such category/service."""
    table = "categories" if scope == "cat" else "services"
    key: object = target
    if scope == "cat":
        if not target.isdigit():
            return None
        key = int(target)
    async with db.transaction() as conn:
        cursor = await conn.execute(f"SELECT name FROM {table} WHERE id = ?", (key,))
        row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute(
            f"UPDATE {table} SET markup_percent = ? WHERE id = ?",
            (None if percent is None else str(percent), key),
        )
        await audit(
            conn,
            admin_id,
            "markup",
            f"{scope}:{target}",
            "off" if percent is None else f"{percent}%",
        )
    return str(row[0])


# --------------------------------------------------------------------------- maintenance


maintenance_on = ordering.maintenance_on  # what placing an order checks


async def set_maintenance(db: Database, admin_id: int, on: bool) -> None:
    async with db.transaction() as conn:
        await _kv_set(conn, MAINTENANCE_KEY, "on" if on else "off")
        await audit(conn, admin_id, "maintenance", None, "on" if on else "off")


# --------------------------------------------------------------------------- orders


async def find_order(db: Database, query: str) -> Any:
    """By our id (`42`, `#42`) first, else by the panel's order id. OrderView or None."""
    query = query.strip().removeprefix("#")
    if not query or len(query) > MAX_PANEL_ID:
        return None
    if query.isdigit() and len(query) < 19:
        view = await ordering.get_order_any(db, int(query))
        if view is not None:
            return view
    order_id = await db.fetchval(
        "SELECT id FROM orders WHERE panel_order_id = ? ORDER BY id DESC LIMIT 1", (query,)
    )
    return None if order_id is None else await ordering.get_order_any(db, int(order_id))


async def order_ledger(db: Database, order_id: int) -> list[wallet.LedgerEntry]:
    rows = await db.fetchall(
        "SELECT id, user_id, amount, balance_after, kind, ref, order_id, note, created_at"
        " FROM ledger WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    return [wallet.LedgerEntry(**dict(row)) for row in rows]


async def order_audit(db: Database, order_id: int, limit: int = 10) -> list[AuditEntry]:
    rows = await db.fetchall(
        "SELECT id, admin_id, action, target, details, created_at FROM admin_audit"
        " WHERE target = ? AND action IN ('refund', 'placed', 'not-placed', 'renotify')"
        " ORDER BY id DESC LIMIT ?",
        (f"order:{order_id}", limit),
    )
    return [AuditEntry(**dict(row)) for row in reversed(rows)]


@dataclass(frozen=True)
class StatusEvent:
    old_status: str | None
    new_status: str
    at: int


async def order_events(db: Database, order_id: int, limit: int = 20) -> list[StatusEvent]:
    """The order's status history (recorded by a trigger, migration 007), oldest first."""
    rows = await db.fetchall(
        "SELECT old_status, new_status, at FROM order_events WHERE order_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (order_id, limit),
    )
    return [StatusEvent(**dict(row)) for row in reversed(rows)]


RefundOutcome = Literal["refunded", "already", "not_found", "busy"]


async def _notify_order(
    conn: aiosqlite.Connection, order_id: int, key: str, params: dict[str, str], dedup: str
) -> None:
    cursor = await conn.execute("SELECT user_id FROM orders WHERE id = ?", (order_id,))
    row = await cursor.fetchone()
    if row is not None:
        await outbox.enqueue(
            conn, int(row[0]), key, {"order_id": str(order_id), **params}, dedup=dedup
        )


async def refund_order(db: Database, admin_id: int, order_id: int) -> tuple[RefundOutcome, int]:
    """Refund what is left of the order's charge (after a Partial: the rest), once, and mark
    it refunded. Returns the outcome and the amount refunded by this call."""
    code = await currency(db)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,))
        row = await cursor.fetchone()
        if row is None:
            return "not_found", 0
        if row["status"] == "submitting":
            # the `add` is in flight: its outcome decides (pending, or failed = refunded, or
            # unknown for an operator); a refund now could pay back an order the panel has
            return "busy", 0
        left = await ordering.refund_order(conn, order_id, note=f"admin {admin_id}")
        if not left:
            return "already", 0
        await ordering.set_order_status(conn, order_id, "refunded", next_poll_at=0)
        await _notify_order(
            conn,
            order_id,
            "admin-notify-order-refunded",
            {"amount": format_amount(left, code)},
            dedup=f"order:{order_id}:refund:notify",
        )
        await audit(conn, admin_id, "refund", f"order:{order_id}", format_amount(left, code))
    return "refunded", left


ResolveOutcome = Literal["done", "not_unknown", "not_found", "bad_id", "taken"]


async def resolve_placed(
    db: Database, admin_id: int, order_id: int, panel_order_id: str
) -> tuple[ResolveOutcome, int | None]:
    """The panel does have the order: remember its id and let the poller track it. The
    charge taken at submission stays (it pays for the order). The second value is the
    order already carrying that panel id, for "taken"."""
    panel_order_id = panel_order_id.strip().removeprefix("#")
    if not PANEL_ID_RE.match(panel_order_id):
        return "bad_id", None
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,))
        row = await cursor.fetchone()
        if row is None:
            return "not_found", None
        if row[0] != "unknown":
            return "not_unknown", None
        cursor = await conn.execute(
            "SELECT id FROM orders WHERE panel_order_id = ? AND id != ?", (panel_order_id, order_id)
        )
        other = await cursor.fetchone()
        if other is not None:
            return "taken", int(other[0])
        await ordering.set_order_status(
            conn, order_id, "pending", panel_order_id=panel_order_id, next_poll_at=0, error=None
        )
        await _notify_order(
            conn,
            order_id,
            "admin-notify-order-placed",
            {"panel_order_id": panel_order_id},
            dedup=f"order:{order_id}:resolved:notify",
        )
        await audit(conn, admin_id, "placed", f"order:{order_id}", f"panel #{panel_order_id}")
    return "done", None


async def resolve_not_placed(
    db: Database, admin_id: int, order_id: int
) -> tuple[ResolveOutcome, int]:
    """The panel never got the order: `failed` and the whole charge back, once."""
    code = await currency(db)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT status, charge, refunded FROM orders WHERE id = ?", (order_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            return "not_found", 0
        if row["status"] != "unknown":
            return "not_unknown", 0
        await ordering.set_order_status(conn, order_id, "failed", error="not placed (operator)")
        amount = await ordering.refund_order(conn, order_id, note=f"admin {admin_id}")
        await _notify_order(
            conn,
            order_id,
            "admin-notify-order-not-placed",
            {"amount": format_amount(amount, code)},
            dedup=f"order:{order_id}:resolved:notify",
        )
        await audit(conn, admin_id, "not-placed", f"order:{order_id}", format_amount(amount, code))
    return "done", amount


async def list_unknown(db: Database, limit: int = 20) -> tuple[list[Any], int]:
    """The oldest `limit` orders with status unknown, and how many there are."""
    total = int(await db.fetchval("SELECT COUNT(*) FROM orders WHERE status = 'unknown'") or 0)
    ids = await db.fetchall(
        "SELECT id FROM orders WHERE status = 'unknown' ORDER BY id LIMIT ?", (limit,)
    )
    views = [await ordering.get_order_any(db, int(r[0])) for r in ids]
    return [v for v in views if v is not None], total


async def requeue_notification(db: Database, admin_id: int, order_id: int) -> bool:
    """Queue the last notification the user got (or should have got) about this order
    again. False if there is none."""
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT o.user_id FROM orders o WHERE o.id = ?", (order_id,))
        owner = await cursor.fetchone()
        if owner is None:
            return False
        cursor = await conn.execute(
            "SELECT key, params, buttons, lang FROM outbox"
            " WHERE chat_id = ? AND method = 'text' AND (dedup LIKE ? OR dedup LIKE ?"
            "   OR json_extract(params, '$.order_id') IN (?, ?))"
            " ORDER BY id DESC LIMIT 1",
            (
                int(owner[0]),
                f"order:{order_id}:%",
                f"%:order:{order_id}:%",
                order_id,
                str(order_id),
            ),
        )
        row = await cursor.fetchone()
        if row is None:
            return False
        await conn.execute(
            "INSERT INTO outbox (chat_id, method, key, params, buttons, lang, created_at)"
            " VALUES (?, 'text', ?, ?, ?, ?, ?)",
            (
                int(owner[0]),
                row["key"],
                row["params"],
                row["buttons"],
                row["lang"],
                int(time.time()),
            ),
        )
        await audit(conn, admin_id, "renotify", f"order:{order_id}", str(row["key"]))
    return True


def unknown_buttons(order_id: int) -> list[list[Button]]:
    """The two ways to settle an order with an unknown outcome, for alerts in the group
    (the same callback data as bot.keyboards.admin.AdminCb)."""
    return [
        [Button("admin-btn-placed", f"{CALLBACK_PREFIX}:placed:{order_id}")],
        [Button("admin-btn-not-placed", f"{CALLBACK_PREFIX}:notplaced:{order_id}")],
    ]


# --------------------------------------------------------------------------- broadcast


@dataclass(frozen=True)
class BroadcastCounts:
    queued: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.blocked + self.failed

    @property
    def done(self) -> bool:
        return self.queued == 0


def broadcast_batch(chat_id: int, message_id: int) -> str:
    return f"bc{abs(chat_id)}-{message_id}"


async def start_broadcast(
    db: Database, admin_id: int, from_chat_id: int, message_id: int
) -> tuple[str, int, bool]:
    """Queue a copy of the message for every user who neither blocked the bot nor is
    banned. Returns (batch, recipients, started): `started` is False when this message was
    already broadcast (a repeated command queues nothing)."""
    batch = broadcast_batch(from_chat_id, message_id)
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT COUNT(*) FROM outbox WHERE batch = ?", (batch,))
        row = await cursor.fetchone()
        if row is not None and int(row[0]) > 0:
            return batch, int(row[0]), False
        cursor = await conn.execute(
            "SELECT id FROM users WHERE is_blocked = 0 AND is_banned = 0 ORDER BY id"
        )
        recipients = [int(r[0]) for r in await cursor.fetchall()]
        now = int(time.time())
        params = json.dumps({"from_chat_id": from_chat_id, "message_id": message_id})
        await conn.executemany(
            "INSERT INTO outbox (chat_id, method, params, dedup, batch, created_at)"
            " VALUES (?, 'copy', ?, ?, ?, ?) ON CONFLICT (dedup) DO NOTHING",
            [(uid, params, f"{batch}:{uid}", batch, now) for uid in recipients],
        )
        await audit(conn, admin_id, "broadcast", batch, f"{len(recipients)} recipients")
    return batch, len(recipients), True


async def broadcast_counts(db: Database, batch: str) -> BroadcastCounts:
    rows = await db.fetchall(
        "SELECT status, COUNT(*) FROM outbox WHERE batch = ? GROUP BY status", (batch,)
    )
    counts = {str(r[0]): int(r[1]) for r in rows}
    return BroadcastCounts(
        queued=counts.get("queued", 0),
        sent=counts.get("sent", 0),
        blocked=counts.get("blocked", 0),
        failed=sum(v for k, v in counts.items() if k not in {"queued", "sent", "blocked"}),
    )


# --------------------------------------------------------------------------- alerts


def report_params(report: SyncReport, code: str, biggest: int = 5) -> dict[str, str]:
    lines = [
        f"#{sid} {name[:40]}: {format_amount(old, code)} → {format_amount(new, code)}"
        for sid, name, old, new in report.price_changes[:biggest]
    ]
    return {
        "total": str(report.total),
        "added": str(len(report.added)),
        "removed": str(len(report.removed)),
        "restored": str(len(report.restored)),
        "price_changes": str(len(report.price_changes)),
        "unknown_types": str(len(report.unknown_types)),
        "biggest": "\n".join(lines) or "—",
        "unknown_list": ", ".join(f"#{sid} {kind!r}" for sid, kind in report.unknown_types[:10])
        + (" …" if len(report.unknown_types) > 10 else "")
        or "—",
    }


async def check_panel_balance(db: Database, panel: CatalogPanel, settings: Settings) -> bool:
    """Alert once when the panel balance falls under PANEL_LOW_BALANCE; re-arm when it is
    back above. Returns True if an alert was queued."""
    if settings.panel_low_balance <= 0:
        return False
    try:
        answer = await panel.balance()
    except PanelError as exc:
        log.warning("could not read the panel balance: %s", exc)
        return False
    low = answer.amount < settings.panel_low_balance
    alerted = await _kv_get(db, LOW_BALANCE_KEY) == "1"
    if low == alerted:
        return False
    async with db.transaction() as conn:
        await _kv_set(conn, LOW_BALANCE_KEY, "1" if low else "0")
        if low:
            await outbox.enqueue(
                conn,
                settings.admin_chat_id,
                "admin-alert-low-balance",
                {
                    "balance": format_amount(to_micros(answer.amount), answer.currency),
                    "threshold": format_amount(
                        to_micros(settings.panel_low_balance), answer.currency
                    ),
                },
                lang=settings.default_language,
            )
    return low


def catalog_reporter(
    db: Database, panel: CatalogPanel, settings: Settings
) -> Callable[[SyncReport], Awaitable[None]]:
    """The catalog sync loop's `on_report`: posts what changed to the admin group and, as
    the loop runs periodically anyway, checks the panel balance."""

    async def on_report(report: SyncReport) -> None:
        # the very first import (an empty catalog filled) is not news, unless it brought
        # types the shop cannot sell: the operator should know those are not offered
        first_import = len(report.added) == report.total
        if (report.changed and not first_import) or (first_import and report.unknown_types):
            code = await currency(db)
            await outbox.notify(
                db,
                settings.admin_chat_id,
                "admin-alert-catalog",
                report_params(report, code),
                lang=settings.default_language,
            )
        await check_panel_balance(db, panel, settings)

    return on_report
