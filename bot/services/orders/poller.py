"""The poller: asks the panel for the status of every unfinished order in batches of 100 and
hands a batch's changes to the status machine together (status.apply_panel_statuses: refund,
notification, alerts, in a few statements for the whole batch), in one transaction per
batch. Orders whose status did not change only get their numbers and next poll time, for the
whole batch in one `executemany`.

Back-off: an order the panel keeps erring on is polled less often (and the operators hear of
it); an order unchanged for long is polled less often; while the panel is down the whole cycle
backs off and the operators get one alert down, one when it is back. Refill requests
(requests.py) are polled here too, with `refill_statuses`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.crashpoints import crashpoint
from bot.db import Database, Row, Tx
from bot.memory import release_freed_memory
from bot.panel import (
    ItemError,
    OrderStatus,
    PanelError,
    RefillState,
    RefillStatus,
)
from bot.services import alerts, catalog, outbox
from bot.services.alerts import Notices
from bot.services.orders.status import (
    PANEL_STATUS_BY_STATE,
    apply_panel_statuses,
    storable_count,
)
from bot.services.outbox import Button

log = logging.getLogger(__name__)

# Orders the poller follows (with a panel id). "unknown" may have one if an operator set it;
# "error" (the panel's Fail) is followed slowly in case the panel later cancels/refunds it.
POLLED_STATUSES = ("pending", "in_progress", "processing", "active", "unknown", "error")
# a cycle over this many orders gives the memory it freed back to the system (bot/memory.py)
TRIM_AFTER = 1000
# batches fetched or being fetched but not yet applied: this many times `concurrency`
BACKLOG_FACTOR = 2
REFILL_FINAL = frozenset({"completed", "rejected", "canceled", "failed"})


class PollerPanel(Protocol):
    async def statuses(self, order_ids: Sequence[str]) -> dict[str, OrderStatus | ItemError]: ...

    async def refill_statuses(
        self, refill_ids: Sequence[str]
    ) -> dict[str, RefillStatus | ItemError]: ...


@dataclass(frozen=True)
class PollerConfig:
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


class Poller:
    def __init__(
        self,
        db: Database,
        panel: PollerPanel,
        *,
        notices: Notices,
        config: PollerConfig | None = None,
        on_enqueued: Callable[[], None] | None = None,
        on_report: Callable[[CycleReport], None] | None = None,
    ) -> None:
        self.db = db
        self.panel = panel
        self.notices = notices
        self.config = config or PollerConfig()
        self.on_enqueued = on_enqueued
        self.on_report = on_report  # each cycle's report (the app's metrics)
        self.down_streak = 0

    # ------------------------------------------------------------------ loop

    async def run(self, stop_event: asyncio.Event | None = None) -> None:
        stop = stop_event or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.poll_once()
            except Exception:
                # a bad cycle (database busy, a bug on one order) must not end polling
                log.exception("poll cycle failed")
                report = CycleReport(panel_down=False)
            if self.on_report is not None:
                self.on_report(report)
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
        currency = await catalog.currency(self.db)
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
        # Answers wait for the writer, which applies one batch at a time: a panel faster
        # than the database would otherwise pile up a whole cycle's parsed answers (12 MB
        # at 10,000 orders), so batches in flight or waiting are bounded too.
        backlog = asyncio.Semaphore(self.config.concurrency * BACKLOG_FACTOR)

        async def one(batch: list[_Polled]) -> None:
            async with backlog:
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
        del polled, batches
        if report.polled >= TRIM_AFTER:
            await self._release_memory()
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
        changed: list[tuple[_Polled, OrderStatus]] = []
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
                changed.append((order, result))
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
            outcomes = await apply_panel_statuses(
                conn,
                self.notices,
                [(order.id, result) for order, result in changed],
                currency=currency,
                now=now,
                next_poll_at=now + int(self.config.interval),
            )
            for (order, _), applied in zip(changed, outcomes, strict=True):
                report.changed += applied.changed
                report.notified += applied.notified
                if applied.refunded:
                    report.refunds += 1
                    report.refunded_ids.append(order.id)
        crashpoint("refund:committed" if report.refunds else "poll:committed")

    async def _order_error(self, conn: Tx, order: _Polled, message: str, now: int) -> None:
        errors = order.poll_errors + 1
        await conn.execute(
            "UPDATE orders SET poll_errors = ?, next_poll_at = ?, error = ? WHERE id = ?",
            (errors, self._error_backoff(now, errors), message[:500], order.id),
        )
        log.info("order %s: panel error %r (%d in a row)", order.id, message, errors)
        if errors >= self.config.flag_after:
            await alerts.poll_errors(
                conn, self.notices, order.id, order.panel_order_id, errors, message
            )

    async def _release_memory(self) -> None:
        """After a big cycle: the writer's page cache (the orders' pages the cycle wrote, ~2
        MiB kept until the next cycle needs a few of them again, one read() away in the OS's
        cache) and the allocator's freed memory (the cycle's rows and answers)."""
        try:
            await self.db.release_memory()
        except Exception:  # only a cache: the cycle itself is done
            log.debug("could not release the database's caches", exc_info=True)
        release_freed_memory()

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
        conn: Tx,
        r: Row,
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
                await alerts.refill_poll_errors(
                    conn, self.notices, request_id, int(r["order_id"]),
                    str(r["panel_refill_id"]), errors, message,
                )  # fmt: skip
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
                buttons=[[Button("track-btn-order", self.notices.order_button(order_id))]],
                dedup=f"refill:{request_id}:status:{new}",
            )

    # ------------------------------------------------------------------ panel health

    async def _panel_health(self, report: CycleReport, now: int) -> None:
        if report.panel_down:
            self.down_streak += 1
            if await alerts.panel_down(self.db, self.notices, report.last_error or "", now):
                report.notified += 1
            return
        self.down_streak = 0
        if report.answered and await alerts.panel_back(self.db, self.notices, now):
            report.notified += 1
