"""The order status machine: every change of an order's status goes through this module.

`submitting -> pending | failed | unknown` while placing (placing.py), then the panel's
statuses. Who moves an order along:
- the poller (poller.py) and a manual refresh (`refresh_order`: the customer's and the
  operators' Refresh buttons) hand the panel's answer to `apply_panel_status`: status,
  numbers, refund, the customer's notification and any operator alert, in one transaction;
- placing settles an order as `failed` (`fail_order`) or `unknown` (`mark_unknown`);
- operators resolve an `unknown` order (`resolve_placed`, `resolve_not_placed`) or give the
  money back (`operator_refund`).

Guarantees: a settled order (FINAL_STATUSES) is never reopened, whatever the panel says
later; money goes back only through `refunds.py` (a ledger ref per step, all refunds of an
order together never above its charge); a notification has one dedup key per order and
status, so a repeat (or a race between the poller and a refresh) never sends it twice.

Refunds for the panel's statuses:
- Partial: `charge * remains // quantity` micro-units, remains clamped to 0..quantity. The
  division rounds DOWN (in the shop's favour by less than one micro-unit): the user was
  charged rounded up, so the refund never exceeds the exact pro-rata share nor the charge.
  `remains <= 0` refunds nothing and an operator is asked instead.
- Canceled / Refunded: the whole charge minus what was already refunded.
- Fail/Error (our `error`): nothing automatically; the operators are alerted (the panel may
  or may not have refunded us) and the order is still polled, slowly, so a later
  Canceled/Refunded refunds it as usual.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot import logctx
from bot.crashpoints import crashpoint
from bot.db import Database, Tx, for_update
from bot.money import amount_param, format_amount
from bot.panel import OrderState, OrderStatus, PanelClient
from bot.services import alerts, audit, catalog, outbox, referrals
from bot.services.alerts import Notices
from bot.services.orders import notify, queries, refunds, requests
from bot.services.orders.amounts import cost_micros, partial_refund, storable_count
from bot.services.orders.queries import OrderView

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
# Settled orders: their money is final (refunds done), so nothing the panel says later may
# reopen them; a flaky or lagging panel answer would otherwise revive a refunded order.
FINAL_STATUSES = frozenset({"completed", "partial", "canceled", "refunded", "failed"})
# The customer hears "started" once, on the first of these.
STARTED_STATUSES = frozenset({"in_progress", "processing", "active"})
_SETTABLE = frozenset(
    {"panel_order_id", "cost", "start_count", "remains", "error", "next_poll_at", "poll_errors"}
)
PANEL_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def _status(conn: Tx, order_id: int) -> str | None:
    """The order's status, its row locked until the transaction ends: a status change and a
    refund read what they change, and two replicas must not both act on the old value."""
    row = await conn.fetchone(
        f"SELECT status FROM orders WHERE id = ?{for_update(conn)}", (order_id,)
    )
    return None if row is None else str(row[0])


# --------------------------------------------------------------------------- the two steps


async def set_order_status(
    conn: Tx,
    order_id: int,
    status: str,
    *,
    now: int | None = None,
    **changes: Any,
) -> bool:
    """Set an order's status (and any of panel_order_id, cost, start_count, remains, error,
    next_poll_at, poll_errors) inside the caller's transaction. Returns True if the status
    changed; `status_changed_at` moves only then. A change to a final status credits (or
    claws back) the inviter's referral bonus here, so callers refund BEFORE they set it."""
    if status not in ORDER_STATUSES:
        raise ValueError(f"unknown order status {status!r}")
    unknown = set(changes) - _SETTABLE
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    now = now or int(time.time())
    current = await _status(conn, order_id)
    if current is None:
        raise LookupError(f"no order {order_id}")
    changed = current != status
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
    if changed and status in FINAL_STATUSES:
        # the inviter's bonus (or its claw-back) goes with the change that settles the money
        await referrals.credit_or_claw(conn, order_id, status, now)
    return changed


# --------------------------------------------------------------------------- the panel's word


@dataclass(frozen=True)
class Applied:
    """What `apply_panel_status` did."""

    changed: bool = False
    refunded: int = 0  # micro-units given back by this call
    notified: bool = False  # the customer's notification was queued by this call


def _notification_key(old: str, new: str) -> str | None:
    if new in STARTED_STATUSES and old not in STARTED_STATUSES:
        return "track-started"
    return {
        "completed": "track-completed",
        "partial": "track-partial",
        "canceled": "track-canceled",
        "refunded": "track-refunded",
    }.get(new)


def _refund_due(new: str, row: Any, answer: OrderStatus) -> int:
    """What `new` gives back beyond what was refunded (see the module docstring); <= 0: none."""
    charge, refunded = int(row["charge"]), int(row["refunded"])
    if new == "partial":
        return partial_refund(charge, int(row["quantity"]), answer.remains) - refunded
    if new in ("canceled", "refunded"):
        return charge - refunded
    return 0


def _present(**values: int | None) -> dict[str, int]:
    return {name: value for name, value in values.items() if value is not None}


async def apply_panel_status(
    conn: Tx,
    notices: Notices,
    order_id: int,
    answer: OrderStatus,
    *,
    currency: str,
    now: int | None = None,
    next_poll_at: int | None = None,
) -> Applied:
    """Store what the panel says about an order inside the caller's transaction: the new
    status with its refund, the customer's notification and any operator alert; only the
    numbers when the status is the same, unknown to us, or the order is settled. Re-reads
    the order, so a repeat (or a race) changes nothing. `next_poll_at`: when the poller
    looks again after a change (None: unchanged)."""
    now = now or int(time.time())
    row = await queries.order_row(conn, order_id)
    old = str(row["status"])
    new = old if answer.status is None else PANEL_STATUS_BY_STATE[answer.status]
    settled = old in FINAL_STATUSES
    start_count = storable_count(answer.start_count)
    remains = storable_count(answer.remains)
    cost = cost_micros(answer.charge)  # a Partial's charge is what the panel kept
    if new == old or settled:
        # a settled order keeps the remains its refund was computed from
        numbers = _present(start_count=start_count, cost=cost, remains=None if settled else remains)
        await set_order_status(conn, order_id, old, now=now, **numbers)
        return Applied()

    refunded = int(row["refunded"])
    amount = _refund_due(new, row, answer)
    given = 0
    if amount > 0:
        given = amount = await refunds.refund_charge(
            conn, order_id, amount, note=f"{new} at the panel", now=now
        )
    numbers = _present(
        start_count=start_count, cost=cost, remains=remains, next_poll_at=next_poll_at
    )
    await set_order_status(conn, order_id, new, now=now, poll_errors=0, **numbers)
    if new in FINAL_STATUSES:
        await requests.finish_cancel(conn, order_id, now)

    key = _notification_key(old, new)
    params: dict[str, Any] = {
        "order_id": str(order_id),
        "service": str(row["service_name"]),
        "refund": amount_param(refunded + amount, currency),
    }
    panel_order_id = str(row["panel_order_id"])
    if new == "partial" and refunded + amount == 0:
        # nothing to refund by rule: the customer is not told "0.00 is back", and an
        # operator decides (/order -> refund)
        key = "track-partial-no-refund"
        await alerts.partial_without_remains(
            conn,
            notices,
            order_id,
            {**params, "panel_order_id": panel_order_id, "remains": str(answer.remains)},
        )
    notified = False
    if key is not None:
        notified = await notify.status_changed(
            conn, notices, int(row["user_id"]), order_id, new, key, params
        )
    if new == "error":
        await alerts.panel_failed_order(
            conn, notices, order_id, {**params, "panel_order_id": panel_order_id}
        )
    return Applied(changed=True, refunded=given, notified=notified)


# what a batch writes for a status change that moves no money and alerts no one
_PLAIN_CHANGE = (
    "UPDATE orders SET status = ?, updated_at = ?, status_changed_at = ?, poll_errors = 0,"
    " start_count = coalesce(?, start_count), cost = coalesce(?, cost),"
    " remains = coalesce(?, remains), next_poll_at = coalesce(?, next_poll_at) WHERE id = ?"
)
# ...and for an answer that changes only the numbers (same status, or a settled order)
_NUMBERS = (
    "UPDATE orders SET updated_at = ?, start_count = coalesce(?, start_count),"
    " cost = coalesce(?, cost), remains = coalesce(?, remains) WHERE id = ?"
)
# statuses whose change may move money (a refund)
_REFUNDING = frozenset({"partial", "canceled", "refunded"})


async def apply_panel_statuses(
    conn: Tx,
    notices: Notices,
    answers: Sequence[tuple[int, OrderStatus]],
    *,
    currency: str,
    now: int | None = None,
    next_poll_at: int | None = None,
) -> list[Applied]:
    """`apply_panel_status` for many orders inside the caller's transaction, with the same
    rules and outcome, in a few statements instead of a dozen or more per order: one read of
    every order, the refunds together (`wallet.apply_many`), one `executemany` per kind of
    write, one for the notifications. Only a change that alerts an operator takes the
    one-order path: `error`, and a `partial` that gives back nothing in all (its refund step
    found already in the ledger counts as nothing). Returns one Applied per answer, in
    order."""
    now = now or int(time.time())
    rows = await queries.order_rows(conn, [order_id for order_id, _ in answers])
    numbers: list[tuple[Any, ...]] = []
    # (order id, old, new, the change's row for _PLAIN_CHANGE, the refund asked for)
    changes: list[tuple[int, str, str, tuple[Any, ...], int]] = []
    to_refund: list[refunds.Refund] = []
    one_by_one: set[int] = set()
    results: dict[int, Applied] = {}
    for order_id, answer in answers:
        row = rows.get(order_id)
        if row is None:
            raise LookupError(f"no order {order_id}")
        old = str(row["status"])
        new = old if answer.status is None else PANEL_STATUS_BY_STATE[answer.status]
        settled = old in FINAL_STATUSES
        start_count = storable_count(answer.start_count)
        remains = storable_count(answer.remains)
        cost = cost_micros(answer.charge)
        if new == old or settled:
            numbers.append((now, start_count, cost, None if settled else remains, order_id))
            results[order_id] = Applied()
            continue
        charge, refunded = int(row["charge"]), int(row["refunded"])
        amount = _refund_due(new, row, answer)
        if new == "error" or (new == "partial" and refunded + amount == 0):
            one_by_one.add(order_id)
            continue
        if amount > 0:
            note = f"{new} at the panel"
            to_refund.append(
                refunds.Refund(order_id, int(row["user_id"]), charge, refunded, amount, note)
            )
        change = (new, now, now, start_count, cost, remains, next_poll_at, order_id)
        changes.append((order_id, old, new, change, amount))
    given = dict(
        zip(
            [refund.order_id for refund in to_refund],
            await refunds.refund_charges(conn, to_refund, now),
            strict=True,
        )
    )
    plain: list[tuple[Any, ...]] = []
    finished: list[int] = []
    plain_status: dict[int, str] = {}
    messages: list[outbox.Text] = []
    for order_id, old, new, change, amount in changes:
        row = rows[order_id]
        refunded = int(row["refunded"])
        if order_id in given:
            amount = given[order_id]
            if new == "partial" and refunded + amount == 0:
                # its refund step was already in the ledger: nothing moved, an operator
                # decides, as on the one-order path (which finds the ref again: a no-op)
                one_by_one.add(order_id)
                continue
        plain.append(change)
        if new in FINAL_STATUSES:
            finished.append(order_id)
            plain_status[order_id] = new
        results[order_id] = Applied(changed=True, refunded=given.get(order_id, 0))
        key = _notification_key(old, new)
        if key is not None:
            params = {
                "order_id": str(order_id),
                "service": str(row["service_name"]),
                "refund": amount_param(refunded + amount, currency),
            }
            user_id = int(row["user_id"])
            messages.append(notify.status_text(notices, user_id, order_id, new, key, params))
    await conn.executemany(_NUMBERS, numbers)
    await conn.executemany(_PLAIN_CHANGE, plain)
    await requests.finish_cancels(conn, finished, now)
    # as set_order_status does on a change to a final status, after the refunds (it reads
    # what was refunded): the inviter's bonus or its claw-back
    for order_id in sorted(await referrals.with_inviter(conn, finished)):
        await referrals.credit_or_claw(conn, order_id, plain_status[order_id], now)
    queued = await outbox.enqueue_many(conn, messages)
    for message in messages:
        if message.dedup in queued:
            order_id = int(message.params["order_id"])
            results[order_id] = replace(results[order_id], notified=True)
    for order_id, answer in answers:
        if order_id not in one_by_one:
            continue
        with logctx.bound(order_id=order_id):  # the order in every line logged
            results[order_id] = await apply_panel_status(
                conn, notices, order_id, answer, currency=currency, now=now,
                next_poll_at=next_poll_at,
            )  # fmt: skip
    return [results[order_id] for order_id, _ in answers]


async def refresh_order(
    db: Database, panel: PanelClient, notices: Notices, user_id: int, order_id: int
) -> OrderView | None:
    """Ask the panel about this order now and apply the answer as the poller would. None
    unless the order is the user's. Panel errors (PanelError) propagate: the caller says
    "try later"."""
    view = await queries.get_order(db, user_id, order_id)
    if view is None or view.panel_order_id is None:
        return view
    answer = await panel.status(view.panel_order_id)
    currency = await catalog.currency(db)
    async with db.transaction() as conn:
        await apply_panel_status(conn, notices, order_id, answer, currency=currency)
        # read in the transaction: the shared reader may still be in an older snapshot
        return await queries.get_order(conn, user_id, order_id)


# --------------------------------------------------------------------------- while placing


async def fail_order(
    db: Database,
    notices: Notices,
    order_id: int,
    error: str,
    *,
    panel_out_of_funds: bool = False,
    currency: str = catalog.DEFAULT_CURRENCY,
) -> bool:
    """`failed` + full refund + operator alert, in one transaction; safe to repeat (the
    refund and the alerts happen once). Returns True if this call refunded."""
    async with db.transaction() as conn:
        await set_order_status(conn, order_id, "failed", error=error[:500])
        refunded = await refunds.refund_charge(conn, order_id) > 0
        await alerts.order_alert(conn, notices, order_id, "failed", currency=currency, reason=error)
        if panel_out_of_funds:
            await alerts.order_alert(
                conn, notices, order_id, "panel-funds", currency=currency, reason=error
            )
    crashpoint("refund:committed")
    return refunded


async def mark_unknown(
    conn: Tx,
    notices: Notices,
    order_id: int,
    error: str,
    *,
    currency: str = catalog.DEFAULT_CURRENCY,
) -> None:
    """`unknown` inside the caller's transaction: the panel may or may not have the order.
    Money stays held; the operators decide (never a second `add`)."""
    await set_order_status(conn, order_id, "unknown", error=error[:500])
    await alerts.order_alert(conn, notices, order_id, "unknown", currency=currency, reason=error)


# --------------------------------------------------------------------------- operators

RefundOutcome = Literal["refunded", "already", "not_found", "busy"]
ResolveOutcome = Literal["done", "not_unknown", "not_found", "bad_id", "taken"]


async def _money_back_told(
    conn: Tx,
    admin_id: int,
    order_id: int,
    action: str,
    amount: str,
    *,
    key: str,
    dedup: str,
) -> None:
    """An operator gave money back: the owner hears of it, the audit records it."""
    await notify.to_owner(conn, order_id, key, {"amount": amount}, dedup=dedup)
    await audit.write(conn, admin_id, action, f"order:{order_id}", amount)


async def operator_refund(db: Database, admin_id: int, order_id: int) -> tuple[RefundOutcome, int]:
    """An operator gives back what is left of the order's charge (after a Partial: the
    rest), once, and marks it refunded. Returns the outcome and the amount refunded now."""
    code = await catalog.currency(db)
    async with db.transaction() as conn:
        status = await _status(conn, order_id)
        if status is None:
            return "not_found", 0
        if status == "submitting":
            # the `add` is in flight: its outcome decides (pending, or failed = refunded, or
            # unknown for an operator); a refund now could pay back an order the panel has
            return "busy", 0
        left = await refunds.refund_charge(conn, order_id, note=f"admin {admin_id}")
        if not left:
            return "already", 0
        await set_order_status(conn, order_id, "refunded", next_poll_at=0)
        await _money_back_told(
            conn, admin_id, order_id, "refund", format_amount(left, code),
            key="admin-notify-order-refunded", dedup=f"order:{order_id}:refund:notify",
        )  # fmt: skip
    return "refunded", left


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
        status = await _status(conn, order_id)
        if status is None:
            return "not_found", None
        if status != "unknown":
            return "not_unknown", None
        other = await conn.fetchone(
            "SELECT id FROM orders WHERE panel_order_id = ? AND id != ?", (panel_order_id, order_id)
        )
        if other is not None:
            return "taken", int(other[0])
        await set_order_status(
            conn, order_id, "pending", panel_order_id=panel_order_id, next_poll_at=0, error=None
        )
        await notify.to_owner(
            conn,
            order_id,
            "admin-notify-order-placed",
            {"panel_order_id": panel_order_id},
            dedup=f"order:{order_id}:resolved:notify",
        )
        await audit.write(conn, admin_id, "placed", f"order:{order_id}", f"panel #{panel_order_id}")
    return "done", None


async def resolve_not_placed(
    db: Database, admin_id: int, order_id: int
) -> tuple[ResolveOutcome, int]:
    """The panel never got the order: `failed` and the whole charge back, once."""
    code = await catalog.currency(db)
    async with db.transaction() as conn:
        status = await _status(conn, order_id)
        if status is None:
            return "not_found", 0
        if status != "unknown":
            return "not_unknown", 0
        await set_order_status(conn, order_id, "failed", error="not placed (operator)")
        amount = await refunds.refund_charge(conn, order_id, note=f"admin {admin_id}")
        await _money_back_told(
            conn, admin_id, order_id, "not-placed", format_amount(amount, code),
            key="admin-notify-order-not-placed", dedup=f"order:{order_id}:resolved:notify",
        )  # fmt: skip
    return "done", amount
