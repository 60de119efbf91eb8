"""What `/metrics` shows, in one registry per app (not prometheus-client's global one: tests
build several apps in one process, and a second app must not find the first one's series).

Events are counted where they happen (an update, a panel request, a poll cycle, an order's
placement). What the database knows (open orders, the outbox queue, top-ups, wallet totals,
the panel balance) is read when `/metrics` is scraped, by one short query set cached for a
few seconds: never on every update, and a scraper polling every second costs one query set
per `DB_CACHE_SECONDS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.db import Database
from bot.services import outbox, panel_balance
from bot.services.orders.poller import POLLED_STATUSES, CycleReport

log = logging.getLogger(__name__)

DB_CACHE_SECONDS = 5.0
PREFIX = "smm"
# Telegram updates are answered in milliseconds to a few seconds (a panel call inside)
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
PANEL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
POLL_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class SenderCounts(Protocol):
    """What the outbox sender counts itself (bot/sender.py)."""

    sent: int
    retried_429: int


@dataclass
class DbSnapshot:
    """What the database said at the last scrape."""

    at: float = float("-inf")  # monotonic time of the read
    up: bool = False
    open_orders: dict[str, int] = field(default_factory=dict)  # status -> count
    outbox: dict[str, int] = field(default_factory=dict)  # queued / failed ... -> count
    topups: dict[str, tuple[int, int]] = field(default_factory=dict)  # method -> (n, micros)
    wallet_total: int = 0  # sum of balances, micro-units
    wallets: int = 0  # users with a positive balance
    panel_balance: float | None = None  # a gauge, not money arithmetic
    panel_balance_at: int | None = None


class Metrics:
    """The app's counters and the scrape-time collector of database figures."""

    def __init__(self, db: Database | None = None, *, leader: bool = True) -> None:
        self.db = db
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            f"{PREFIX}_updates", "Telegram updates handled, by type", ["type"], registry=r
        )
        self.update_errors = Counter(
            f"{PREFIX}_update_errors", "Updates whose handling raised", ["type"], registry=r
        )
        self.handler_seconds = Histogram(
            f"{PREFIX}_handler_seconds",
            "Time from an update's arrival to the end of its handling",
            ["type"],
            buckets=HANDLER_BUCKETS,
            registry=r,
        )
        self.orders = Counter(
            f"{PREFIX}_orders",
            "Order placements by outcome (placed, failed, unknown, insufficient...)",
            ["outcome"],
            registry=r,
        )
        self.panel_requests = Counter(
            f"{PREFIX}_panel_requests",
            "Panel requests by action and outcome (ok, rejected, not_sent, unknown)",
            ["action", "outcome"],
            registry=r,
        )
        self.panel_seconds = Histogram(
            f"{PREFIX}_panel_request_seconds",
            "Panel request latency, by action",
            ["action"],
            buckets=PANEL_BUCKETS,
            registry=r,
        )
        self.poll_seconds = Histogram(
            f"{PREFIX}_poll_cycle_seconds",
            "Duration of one order poller cycle",
            buckets=POLL_BUCKETS,
            registry=r,
        )
        self.leader = Gauge(
            f"{PREFIX}_leader", "1 when this process runs the once-only work", registry=r
        )
        self.leader.set(1 if leader else 0)
        self._senders: list[SenderCounts] = []
        self.snapshot = DbSnapshot()
        r.register(_ScrapeCollector(self))

    # ------------------------------------------------------------------ events

    def update_handled(self, kind: str, seconds: float, *, failed: bool) -> None:
        self.updates.labels(kind).inc()
        self.handler_seconds.labels(kind).observe(seconds)
        if failed:
            self.update_errors.labels(kind).inc()

    def order_outcome(self, outcome: str) -> None:
        self.orders.labels(outcome).inc()

    def panel_request(self, action: str, outcome: str, seconds: float) -> None:
        self.panel_requests.labels(action, outcome).inc()
        self.panel_seconds.labels(action).observe(seconds)

    def poll_cycle(self, report: CycleReport) -> None:
        if report.duration > 0:  # a cycle that raised has no duration
            self.poll_seconds.observe(report.duration)

    def watch_sender(self, sender: SenderCounts) -> None:
        """The sender's own counts are read at scrape time (sent, 429s)."""
        self._senders.append(sender)

    # ------------------------------------------------------------------ scrape

    async def render(self) -> bytes:
        """The text format, database figures refreshed if older than DB_CACHE_SECONDS."""
        await self.refresh()
        return generate_latest(self.registry)

    async def refresh(self, *, force: bool = False) -> None:
        if self.db is None:
            return
        now = time.monotonic()
        if not force and now - self.snapshot.at < DB_CACHE_SECONDS:
            return
        try:
            self.snapshot = await read_snapshot(self.db)
        except Exception as exc:  # the database is gone: say so, keep the last figures
            log.warning("metrics: database figures unavailable: %r", exc)
            self.snapshot.up = False
        self.snapshot.at = now


async def read_snapshot(db: Database) -> DbSnapshot:
    """The figures of the database, a handful of indexed aggregate queries."""
    marks = ",".join("?" * len(POLLED_STATUSES))
    rows = await db.fetchall(
        f"SELECT status, COUNT(*) FROM orders WHERE status IN ({marks}) GROUP BY status",
        POLLED_STATUSES,
    )
    snap = DbSnapshot(up=True, open_orders={str(r[0]): int(r[1]) for r in rows})
    snap.outbox = await outbox.depth(db)
    rows = await db.fetchall(
        "SELECT method, COUNT(*), COALESCE(SUM(credited), 0) FROM payments"
        " WHERE credited IS NOT NULL GROUP BY method"
    )
    snap.topups = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
    row = await db.fetchone(
        "SELECT COALESCE(SUM(balance), 0), COUNT(*) FROM users WHERE balance > 0"
    )
    if row is not None:
        snap.wallet_total, snap.wallets = int(row[0]), int(row[1])
    known = await panel_balance.last(db)
    if known is not None:
        snap.panel_balance, snap.panel_balance_at = float(known.amount), known.at
    return snap


class _ScrapeCollector(Collector):
    """Series whose values are read at scrape time: the database snapshot, the sender."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        snap = self.metrics.snapshot
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "1 if the last database read worked")
        up.add_metric([], 1 if snap.up else 0)
        yield up
        orders = GaugeMetricFamily(
            f"{PREFIX}_open_orders", "Orders the poller follows, by status", labels=["status"]
        )
        for status in POLLED_STATUSES:
            orders.add_metric([status], snap.open_orders.get(status, 0))
        yield orders
        queue = GaugeMetricFamily(
            f"{PREFIX}_outbox_messages", "Outbox rows by status", labels=["status"]
        )
        for status, count in sorted(snap.outbox.items()):
            queue.add_metric([status], count)
        yield queue
        topups = CounterMetricFamily(
            f"{PREFIX}_topups", "Top-ups credited, by method", labels=["method"]
        )
        amounts = CounterMetricFamily(
            f"{PREFIX}_topup_micros", "Top-up amounts credited (micro-units)", labels=["method"]
        )
        for method, (count, micros) in sorted(snap.topups.items()):
            topups.add_metric([method], count)
            amounts.add_metric([method], micros)
        yield topups
        yield amounts
        wallet = GaugeMetricFamily(
            f"{PREFIX}_wallet_balance_micros", "Sum of the customers' balances (micro-units)"
        )
        wallet.add_metric([], snap.wallet_total)
        yield wallet
        wallets = GaugeMetricFamily(f"{PREFIX}_wallets_funded", "Customers with a balance")
        wallets.add_metric([], snap.wallets)
        yield wallets
        if snap.panel_balance is not None:
            balance = GaugeMetricFamily(
                f"{PREFIX}_panel_balance", "The panel balance last read (panel currency)"
            )
            balance.add_metric([], snap.panel_balance)
            yield balance
            read_at = GaugeMetricFamily(
                f"{PREFIX}_panel_balance_timestamp_seconds", "When the panel balance was read"
            )
            read_at.add_metric([], snap.panel_balance_at or 0)
            yield read_at
        senders = self.metrics._senders
        sent = CounterMetricFamily(f"{PREFIX}_outbox_sent", "Outbox messages Telegram accepted")
        sent.add_metric([], sum(s.sent for s in senders))
        yield sent
        limited = CounterMetricFamily(
            f"{PREFIX}_telegram_429", "Telegram 429 (flood control) answers seen by the sender"
        )
        limited.add_metric([], sum(s.retried_429 for s in senders))
        yield limited
