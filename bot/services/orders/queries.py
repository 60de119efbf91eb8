"""Reading orders back: the customer's list and card, the operators' lookups and the order's
history (status changes, money, operator actions). Nothing here writes; `order_row` reads
inside a caller's transaction."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.db import Database, Queryable, Row, Tx, for_update
from bot.services import audit, wallet
from bot.services.audit import AuditEntry

MAX_PANEL_ID = 64
# Orders not settled yet (every status but status.FINAL_STATUSES; a test keeps them in step):
# one of these for a link may still deliver, so ordering the same link again asks first.
UNFINISHED_STATUSES = (
    "submitting", "unknown", "pending", "in_progress", "processing", "active", "error",
)  # fmt: skip
# the operator actions an order's history shows
ORDER_ACTIONS = ("refund", "placed", "not-placed", "renotify")


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


@dataclass(frozen=True)
class StatusEvent:
    old_status: str | None
    new_status: str
    at: int


_VIEW_SQL = (
    "SELECT o.id, o.user_id, o.service_id, COALESCE(s.name, o.service_id) AS service_name,"
    " o.status, o.panel_order_id, o.link, o.quantity, o.fields, o.charge, o.cost,"
    " o.start_count, o.remains, o.refunded, o.error, o.created_at, o.updated_at,"
    " o.status_changed_at"
    " FROM orders o LEFT JOIN services s ON s.id = o.service_id"
)


async def order_row(conn: Tx, order_id: int) -> Row:
    """The order's row with its service's name, inside the caller's transaction."""
    row = await conn.fetchone(
        "SELECT o.*, coalesce(s.name, o.service_id) AS service_name"
        " FROM orders o LEFT JOIN services s ON s.id = o.service_id WHERE o.id = ?",
        (order_id,),
    )
    if row is None:
        raise LookupError(f"no order {order_id}")
    return row


async def order_rows(conn: Tx, order_ids: Sequence[int]) -> dict[int, Row]:
    """`order_row` of many orders in one statement, by id (missing ones absent), their
    rows locked until the caller's transaction ends (in id order), as a one-order status
    change locks its row: a Refresh on another replica waits instead of acting on the
    status this batch is changing."""
    if not order_ids:
        return {}
    marks = ", ".join("?" for _ in order_ids)
    rows = await conn.fetchall(
        "SELECT o.*, coalesce(s.name, o.service_id) AS service_name"
        f" FROM orders o LEFT JOIN services s ON s.id = o.service_id WHERE o.id IN ({marks})"
        f" ORDER BY o.id{for_update(conn, of='o')}",
        list(order_ids),
    )
    return {int(row["id"]): row for row in rows}


def _view(row: Row) -> OrderView:
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


async def get_order(source: Queryable, user_id: int, order_id: int) -> OrderView | None:
    """The order, or None unless it belongs to `user_id`. `source` is the database, or the
    caller's transaction when the view must include what it wrote."""
    sql = f"{_VIEW_SQL} WHERE o.id = ? AND o.user_id = ?"
    row = await source.fetchone(sql, (order_id, user_id))
    return None if row is None else _view(row)


async def order_of_dialog(db: Database, user_id: int, dialog: str) -> OrderView | None:
    """The order the user's order dialog `dialog` produced (its confirm token begins with the
    dialog's id, placing.new_confirm_token), or None."""
    if not dialog or not dialog.isalnum():
        return None
    row = await db.fetchone(
        f"{_VIEW_SQL} WHERE o.user_id = ? AND substr(o.confirm_token, 1, ?) = ?"
        " ORDER BY o.id DESC LIMIT 1",
        (user_id, len(dialog), dialog),
    )
    return None if row is None else _view(row)


def _link_spellings(link: str) -> tuple[str, str]:
    """`link` with and without a trailing slash: the same page, typed two ways."""
    bare = link.rstrip("/") or link
    return bare, bare + "/"


async def unfinished_same_link(
    db: Queryable, user_id: int, service_id: str, link: str
) -> OrderView | None:
    """The user's newest unfinished order (UNFINISHED_STATUSES) of `service_id` for `link`
    (as the order dialog stores it: `https://` added; a trailing slash does not count), or
    None.

    The same-link guard: the order dialog and the mass order ask before a second order for
    a link that one still running may already deliver to. `db` may be a transaction."""
    marks = ", ".join("?" for _ in UNFINISHED_STATUSES)
    row = await db.fetchone(
        f"{_VIEW_SQL} WHERE o.user_id = ? AND o.service_id = ? AND o.link IN (?, ?)"
        f" AND o.status IN ({marks}) ORDER BY o.id DESC LIMIT 1",
        (user_id, str(service_id), *_link_spellings(link), *UNFINISHED_STATUSES),
    )
    return None if row is None else _view(row)


async def unfinished_same_links(
    db: Queryable, user_id: int, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    """(service id, link) -> (order id, status) of the user's newest unfinished order for
    each pair in `pairs` that has one: `unfinished_same_link` for a whole list (the mass
    order) in one query, with the same rules (a trailing slash does not count)."""
    if not pairs:
        return {}
    wanted = {
        (service_id, _link_spellings(link)[0]): (service_id, link) for service_id, link in pairs
    }
    marks = ", ".join("?" for _ in UNFINISHED_STATUSES)
    rows = await db.fetchall(
        "SELECT id, service_id, link, status FROM orders"
        f" WHERE user_id = ? AND link IS NOT NULL AND status IN ({marks}) ORDER BY id",
        (user_id, *UNFINISHED_STATUSES),
    )
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for row in rows:
        pair = wanted.get((str(row["service_id"]), _link_spellings(str(row["link"]))[0]))
        if pair is not None:
            found[pair] = (int(row["id"]), str(row["status"]))  # newest last: it wins
    return found


async def get_order_any(db: Database, order_id: int) -> OrderView | None:
    """Any user's order (operators, notifications)."""
    row = await db.fetchone(f"{_VIEW_SQL} WHERE o.id = ?", (order_id,))
    return None if row is None else _view(row)


async def find_order(db: Database, query: str) -> OrderView | None:
    """By our id (`42`, `#42`) first, else by the panel's order id."""
    query = query.strip().removeprefix("#")
    if not query or len(query) > MAX_PANEL_ID:
        return None
    if query.isdigit() and len(query) < 19:
        view = await get_order_any(db, int(query))
        if view is not None:
            return view
    order_id = await db.fetchval(
        "SELECT id FROM orders WHERE panel_order_id = ? ORDER BY id DESC LIMIT 1", (query,)
    )
    return None if order_id is None else await get_order_any(db, int(order_id))


async def list_unknown(db: Database, limit: int = 20) -> tuple[list[OrderView], int]:
    """The oldest `limit` orders with status unknown, and how many there are."""
    total = int(await db.fetchval("SELECT COUNT(*) FROM orders WHERE status = 'unknown'") or 0)
    rows = await db.fetchall(
        f"{_VIEW_SQL} WHERE o.status = 'unknown' ORDER BY o.id LIMIT ?", (limit,)
    )
    return [_view(r) for r in rows], total


async def order_ledger(db: Database, order_id: int) -> list[wallet.LedgerEntry]:
    rows = await db.fetchall(
        "SELECT id, user_id, amount, balance_after, kind, ref, order_id, note, created_at"
        " FROM ledger WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    return [wallet.LedgerEntry(**dict(row)) for row in rows]


async def order_events(db: Database, order_id: int, limit: int = 20) -> list[StatusEvent]:
    """The order's status history (recorded by a trigger, migration 007), oldest first."""
    rows = await db.fetchall(
        "SELECT old_status, new_status, at FROM order_events WHERE order_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (order_id, limit),
    )
    return [StatusEvent(**dict(row)) for row in reversed(rows)]


async def order_audit(db: Database, order_id: int, limit: int = 10) -> list[AuditEntry]:
    """The operators' actions on the order, oldest first."""
    return await audit.about(db, f"order:{order_id}", ORDER_ACTIONS, limit)
