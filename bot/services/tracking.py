"""Order tracking: polls the panel for the status of every unfinished order in batches, moves
money back for partial and canceled orders and tells the user, all in one transaction per batch.

Refunds (through ordering.refund_order: each step once, all of them together never more than
the charge; in the transaction that stores the status):
- Partial: `charge * remains // quantity` micro-units, remains clamped to 0..quantity. The
  division rounds DOWN (in the shop's favour by less than one micro-unit, 0.000001): the user
  was charged rounded up, so the exact pro-rata share is `charge * remains / quantity` and the
  refund never exceeds it nor the charge. `remains <= 0` refunds nothing.
- Canceled / Refunded: the whole charge minus what was already refunded.
- The panel's Fail/Error (our `error`) refunds nothing automatically: the operators are alerted
  (the panel may or may not have refunded us) and the order is still polled, slowly, so a later
  Canceled/Refunded refunds it as usual.

Refill requests (bot/services/refills.py) are polled here too, with `refill_statuses`.
Nothing here knows aiogram: the order-card button data comes in as `order_card`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiosqlite

from bot.db import Database
from bot.money import format_amount
from bot.panel import (
    ItemError,
    OrderStatus,
    PanelError,
    RefillState,
    RefillStatus,
)
from bot.services import outbox
from bot.services.ordering import (
    FINAL_STATUSES,
    PANEL_STATUS_BY_STATE,
    cost_micros,
    refund_order,
    shop_currency,
    storable_count,
)
from bot.services.outbox import Button

log = logging.getLogger(__name__)

# Orders the poller follows (with a panel id). "unknown" may have one if an operator set it;
# "error" (the panel's Fail) is followed slowly in case the panel later cancels/refunds it.
POLLED_STATUSES = ("pending", "in_progress", "processing", "active", "unknown", "error")
STARTED_STATUSES = frozenset({"in_progress", "processing", "active"})
REFILL_FINAL = frozenset({"completed", "rejected", "canceled", "failed"})

PANEL_DOWN_KEY = "tracking:panel_down_since"


class TrackingPanel(Protocol):
    async def statuses(self, order_ids: Sequence[str]) -> dict[str, OrderStatus | ItemError]: ...

    async def refill_statuses(
        self, refill_ids: Sequence[str]
    ) -> dict[str, RefillStatus | ItemError]: ...


@dataclass(frozen=True)
class TrackerConfig:
    interval: float = 60.0
    batch_size: int = 100  # the panel's multi-status limit
    concurrency: int = 4  # status requests in flight at once
    flag_after: int = 5  # repeated per-order errors before the operators hear of it
    error_backoff_cap: int = 6 * 3600
    slow_after: int = 3600  # unchanged this long: polled every `slow_factor` intervals
    slow_factor: int = 5
    very_slow_after: int = 86400
    very_slow_factor: int = 30
    down_backoff_cap: float = 600.0  # the whole cycle's back-off while the panel is down


@dataclass
class CycleReport:
    polled: int = 0
    requests: int = 0
    failed_requests: int = 0
    changed: int = 0
    errors: int = 0
    refunds: int = 0
    notified: int = 0
    refills_polled: int = 0
    panel_down: bool = False
    answered: bool = False  # the panel answered at least one request this cycle
    last_error: str | None = None
    duration: float = 0.0
    refunded_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Polled:
    id: int
    status: str
    panel_order_id: str
    poll_errors: int
    status_changed_at: int


def partial_refund(charge: int, quantity: int, remains: int | None) -> int:
    """The share of `charge` for `remains` undelivered units, rounded down, within 0..charge."""
    if remains is None or remains <= 0 or quantity <= 0 or charge <= 0:
        return 0
    return charge * min(remains, quantity) // quantity


class Tracker:
    def __init__(
        self,
        db: Database,
        panel: TrackingPanel,
        *,
        admin_chat_id: int,
        order_card: Callable[[int], str],
        config: TrackerConfig | None = None,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.panel = panel
        self.admin_chat_id = admin_chat_id
        self.order_card = order_card
        self.config = config or TrackerConfig()
        self.on_enqueued = on_enqueued
        self.down_streak = 0

    # ------------------------------------------------------------------ loop

    async def run(self, stop_event: asyncio.Event | None = None) -> None:
        stop = stop_event or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.poll_once()
            except Exception:
                # a bad cycle (database busy, a bug on one order) must not end tracking
                log.exception("tracking cycle failed")
                report = CycleReport(panel_down=False)
            delay = self.config.interval
            if report.panel_down:
                delay = min(
                    self.config.down_backoff_cap,
                    self.config.interval * 2 ** min(self.down_streak, 10),
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    def next_poll(self, now: int, status_changed_at: int) -> int:
        age = now - status_changed_at
        factor = 1
        if age > self.config.very_slow_after:
            factor = self.config.very_slow_factor
        elif age > self.config.slow_after:
            factor = self.config.slow_factor
        return now + int(self.config.interval * factor)

    def _error_backoff(self, now: int, errors: int) -> int:
        delay = self.config.interval * 2 ** min(errors, 16)
        return now + int(min(delay, self.config.error_backoff_cap))

    # ------------------------------------------------------------------ one cycle

    async def poll_once(self, now: int | None = None) -> CycleReport:
        started = time.monotonic()
        now = now or int(time.time())
        report = CycleReport()
        currency = await shop_currency(self.db)
        placeholders = ",".join("?" * len(POLLED_STATUSES))
        rows = await self.db.fetchall(
            "SELECT id, status, panel_order_id, poll_errors, status_changed_at FROM orders"
            f" WHERE status IN ({placeholders}) AND panel_order_id IS NOT NULL"
            " AND next_poll_at <= ? ORDER BY next_poll_at, id",
            (*POLLED_STATUSES, now),
        )
        polled = [
            _Polled(
                int(r["id"]),
                str(r["status"]),
                str(r["panel_order_id"]),
                int(r["poll_errors"]),
                int(r["status_changed_at"]),
            )
            for r in rows
        ]
        del rows
        report.polled = len(polled)
        size = self.config.batch_size
        batches = [polled[i : i + size] for i in range(0, len(polled), size)]
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(batch: list[_Polled]) -> None:
            async with gate:
                report.requests += 1
                try:
                    answer = await self.panel.statuses([o.panel_order_id for o in batch])
                except PanelError as exc:
                    report.failed_requests += 1
                    report.last_error = str(exc)
                    log.warning("status batch of %d failed: %s", len(batch), exc)
                    return
            await self._apply_batch(batch, answer, now, currency, report)

        await asyncio.gather(*(one(b) for b in batches))
        refills = await self._poll_refills(now, report)
        attempted = report.requests > 0 or refills is not None
        report.answered = report.requests > report.failed_requests or refills is True
        report.panel_down = attempted and not report.answered
        await self._panel_health(report, now)
        report.duration = time.monotonic() - started
        if report.notified and self.on_enqueued is not None:
            self.on_enqueued()
        return report

    async def _apply_batch(
        self,
        batch: list[_Polled],
        answer: dict[str, OrderStatus | ItemError],
        now: int,
        currency: str,
        report: CycleReport,
    ) -> None:
        unchanged: list[tuple[Any, ...]] = []
        changed: list[tuple[_Polled, str, OrderStatus]] = []
        failed: list[tuple[_Polled, str]] = []
        for order in batch:
            result = answer.get(order.panel_order_id)
            if result is None:
                failed.append((order, "missing from the panel's answer"))
                continue
            if isinstance(result, ItemError):
                failed.append((order, result.message))
                continue
            if result.status is None:
                log.warning(
                    "order %s: unknown panel status %r; left as %s",
                    order.id,
                    result.raw_status,
                    order.status,
                )
                new = order.status
            else:
                new = PANEL_STATUS_BY_STATE[result.status]
            if new == order.status:
                unchanged.append(
                    (
                        self.next_poll(now, order.status_changed_at),
                        storable_count(result.remains),
                        storable_count(result.start_count),
                        order.id,
                        order.status,
                    )
                )
            else:
                changed.append((order, new, result))
        if not (unchanged or changed or failed):
            return
        async with self.db.transaction() as conn:
            if unchanged:
                await conn.executemany(
                    "UPDATE orders SET next_poll_at = ?, poll_errors = 0,"
                    " remains = coalesce(?, remains), start_count = coalesce(?, start_count)"
                    " WHERE id = ? AND status = ?",
                    unchanged,
                )
            for order, message in failed:
                report.errors += 1
                await self._order_error(conn, order, message, now)
            for order, new, result in changed:
                if await self.apply_status(conn, order.id, new, result, now, currency, report):
                    report.changed += 1

    async def _order_error(
        self, conn: aiosqlite.Connection, order: _Polled, message: str, now: int
    ) -> None:
        errors = order.poll_errors + 1
        await conn.execute(
            "UPDATE orders SET poll_errors = ?, next_poll_at = ?, error = ? WHERE id = ?",
            (errors, self._error_backoff(now, errors), message[:500], order.id),
        )
        log.info("order %s: panel error %r (%d in a row)", order.id, message, errors)
        if errors >= self.config.flag_after:
            await outbox.enqueue(
                conn,
                self.admin_chat_id,
                "track-alert-order-errors",
                {
                    "order_id": str(order.id),
                    "panel_order_id": order.panel_order_id,
                    "count": errors,
                    "error": message[:300],
                },
                dedup=f"order:{order.id}:poll-errors",
            )

    async def apply_status(
        self,
        conn: aiosqlite.Connection,
        order_id: int,
        new: str,
        result: OrderStatus,
        now: int,
        currency: str,
        report: CycleReport | None = None,
    ) -> bool:
        """Store a new status with its refund and its notification, inside `conn`'s
        transaction. Re-reads the order, so a repeat (or a race) changes nothing."""
        cursor = await conn.execute(
            "SELECT o.id, o.user_id, o.status, o.charge, o.refunded, o.quantity,"
            " o.panel_order_id, coalesce(s.name, o.service_id) AS service_name"
            " FROM orders o LEFT JOIN services s ON s.id = o.service_id WHERE o.id = ?",
            (order_id,),
        )
        row = await cursor.fetchone()
        if row is None or row["status"] == new or row["status"] in FINAL_STATUSES:
            return False
        old = str(row["status"])
        user_id = int(row["user_id"])
        charge, refunded = int(row["charge"]), int(row["refunded"])
        amount = 0
        if new == "partial":
            amount = partial_refund(charge, int(row["quantity"]), result.remains) - refunded
        elif new in ("canceled", "refunded"):
            amount = charge - refunded
        if amount > 0:
            amount = await refund_order(conn, order_id, amount, note=f"{new} at the panel", now=now)
            if amount and report is not None:
                report.refunds += 1
                report.refunded_ids.append(order_id)
        await conn.execute(
            "UPDATE orders SET status = ?, remains = coalesce(?, remains),"
            " start_count = coalesce(?, start_count), cost = coalesce(?, cost), poll_errors = 0,"
            " status_changed_at = ?, updated_at = ?, next_poll_at = ? WHERE id = ?",
            (
                new,
                storable_count(result.remains),
                storable_count(result.start_count),
                cost_micros(result.charge),  # a Partial's charge is what the panel kept
                now,
                now,
                now + int(self.config.interval),
                order_id,
            ),
        )
        if new in FINAL_STATUSES:
            # an accepted cancel request is over once the order is final, whatever the result
            await conn.execute(
                "UPDATE order_requests SET active = 0, status = 'done', updated_at = ?"
                " WHERE order_id = ? AND kind = 'cancel' AND active = 1",
                (now, order_id),
            )
        key = _notification_key(old, new)
        params: dict[str, Any] = {
            "order_id": str(order_id),
            "service": str(row["service_name"]),
            "refund": format_amount(refunded + amount, currency),
        }
        if new == "partial" and refunded + amount == 0:
            # Partial with no usable `remains` (missing, 0 or less): nothing to refund by rule,
            # so the user is not told "0.00 is back" and an operator decides (/order → refund)
            key = "track-partial-no-refund"
            await outbox.enqueue(
                conn,
                self.admin_chat_id,
                "track-alert-partial-no-remains",
                {
                    **params,
                    "panel_order_id": str(row["panel_order_id"]),
                    "remains": str(result.remains),
                },
                dedup=f"order:{order_id}:partial-no-remains",
            )
        if key is not None:
            queued = await outbox.enqueue(
                conn,
                user_id,
                key,
                params,
                buttons=[[Button("track-btn-order", self.order_card(order_id))]],
                dedup=f"order:{order_id}:status:{new}",
            )
            if queued and report is not None:
                report.notified += 1
        if new == "error":
            await outbox.enqueue(
                conn,
                self.admin_chat_id,
                "track-alert-order-failed",
                {**params, "panel_order_id": str(row["panel_order_id"])},
                dedup=f"order:{order_id}:panel-failed",
            )
        return True

    # ------------------------------------------------------------------ refills

    async def _poll_refills(self, now: int, report: CycleReport) -> bool | None:
        """None: nothing to poll; True: the panel answered at least once; False: never."""
        rows = await self.db.fetchall(
            "SELECT r.id, r.order_id, r.user_id, r.status, r.panel_refill_id, r.poll_errors"
            " FROM order_requests r WHERE r.kind = 'refill' AND r.active = 1"
            " AND r.panel_refill_id IS NOT NULL AND r.next_poll_at <= ? ORDER BY r.id",
            (now,),
        )
        if not rows:
            return None
        report.refills_polled = len(rows)
        answered = False
        size = self.config.batch_size
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            try:
                answer = await self.panel.refill_statuses(
                    [str(r["panel_refill_id"]) for r in batch]
                )
            except PanelError as exc:
                report.last_error = str(exc)
                log.warning("refill status batch failed: %s", exc)
                continue
            answered = True
            async with self.db.transaction() as conn:
                for r in batch:
                    await self._apply_refill(conn, r, answer.get(str(r["panel_refill_id"])), now)
        return answered

    async def _apply_refill(
        self,
        conn: aiosqlite.Connection,
        r: aiosqlite.Row,
        result: RefillStatus | ItemError | None,
        now: int,
    ) -> None:
        request_id = int(r["id"])
        if result is None or isinstance(result, ItemError):
            errors = int(r["poll_errors"]) + 1
            message = "missing from the panel's answer" if result is None else result.message
            await conn.execute(
                "UPDATE order_requests SET poll_errors = ?, next_poll_at = ?, panel_message = ?,"
                " updated_at = ? WHERE id = ?",
                (errors, self._error_backoff(now, errors), message[:500], now, request_id),
            )
            if errors >= self.config.flag_after:
                await outbox.enqueue(
                    conn,
                    self.admin_chat_id,
                    "track-alert-refill-errors",
                    {
                        "order_id": str(r["order_id"]),
                        "refill_id": str(r["panel_refill_id"]),
                        "count": errors,
                        "error": message[:300],
                    },
                    dedup=f"refill:{request_id}:poll-errors",
                )
            return
        if result.status is None:
            log.warning("refill %s: unknown status %r", request_id, result.raw_status)
            new = str(r["status"])
        else:
            new = RefillState(result.status).value
        final = new in REFILL_FINAL
        await conn.execute(
            "UPDATE order_requests SET status = ?, active = ?, poll_errors = 0, next_poll_at = ?,"
            " updated_at = ? WHERE id = ?",
            (new, 0 if final else 1, now + int(self.config.interval), now, request_id),
        )
        if new != r["status"] and new in REFILL_FINAL | {"in_progress"}:
            order_id = int(r["order_id"])
            await outbox.enqueue(
                conn,
                int(r["user_id"]),
                f"track-refill-{new.replace('_', '-')}",
                {"order_id": str(order_id)},
                buttons=[[Button("track-btn-order", self.order_card(order_id))]],
                dedup=f"refill:{request_id}:status:{new}",
            )

    # ------------------------------------------------------------------ panel health

    async def _panel_health(self, report: CycleReport, now: int) -> None:
        since = await self.db.fetchval("SELECT value FROM kv WHERE key = ?", (PANEL_DOWN_KEY,))
        if report.panel_down:
            self.down_streak += 1
            if since is None:
                async with self.db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                        (PANEL_DOWN_KEY, str(now)),
                    )
                    await outbox.enqueue(
                        conn,
                        self.admin_chat_id,
                        "track-alert-panel-down",
                        {"error": (report.last_error or "")[:300]},
                        dedup=f"panel:down:{now}",
                    )
                report.notified += 1
            return
        self.down_streak = 0
        if since is not None and report.answered:
            minutes = max(0, (now - int(since)) // 60)
            async with self.db.transaction() as conn:
                await conn.execute("DELETE FROM kv WHERE key = ?", (PANEL_DOWN_KEY,))
                await outbox.enqueue(
                    conn,
                    self.admin_chat_id,
                    "track-alert-panel-back",
                    {"minutes": minutes},
                    dedup=f"panel:back:{since}",
                )
            report.notified += 1


def _notification_key(old: str, new: str) -> str | None:
    if new in STARTED_STATUSES and old not in STARTED_STATUSES:
        return "track-started"
    return {
        "completed": "track-completed",
        "partial": "track-partial",
        "canceled": "track-canceled",
        "refunded": "track-refunded",
    }.get(new)
