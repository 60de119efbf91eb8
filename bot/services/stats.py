"""Numbers for /stats: users, orders by status and period, turnover, panel cost and margin.

Two aggregate queries: one over users, one over orders. The orders query reads only the
`orders_stats` covering index (migration 006), so it stays fast on a large table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.db import Database

DAY = 86_400


@dataclass(frozen=True)
class UserStats:
    total: int
    active_day: int
    active_week: int
    blocked: int
    banned: int


@dataclass(frozen=True)
class StatusCounts:
    today: int
    week: int
    total: int


@dataclass
class Stats:
    users: UserStats
    # status -> counts, statuses with at least one order, most frequent first
    orders: dict[str, StatusCounts] = field(default_factory=dict)
    turnover: int = 0  # charges minus refunds, micro-units
    cost: int = 0  # what the panel charged us, micro-units
    turnover_week: int = 0
    cost_week: int = 0

    @property
    def margin(self) -> int:
        return self.turnover - self.cost

    @property
    def margin_week(self) -> int:
        return self.turnover_week - self.cost_week

    @property
    def orders_today(self) -> int:
        return sum(c.today for c in self.orders.values())

    @property
    def orders_week(self) -> int:
        return sum(c.week for c in self.orders.values())

    @property
    def orders_total(self) -> int:
        return sum(c.total for c in self.orders.values())


def start_of_day(now: int) -> int:
    """Midnight UTC of `now`: "today" in /stats is the UTC day."""
    return now - now % DAY


def _orders_by_status(db: Database) -> str:
    """The orders table for the per-status aggregate: SQLite is told to read the covering
    index alone (its planner would scan the table); PostgreSQL's planner chooses itself.
    Sums come back as int on SQLite and Decimal on PostgreSQL: the caller int()s them."""
    return "orders INDEXED BY orders_stats" if db.dialect == "sqlite" else "orders"


async def collect(db: Database, now: int | None = None) -> Stats:
    now = now or int(time.time())
    row = await db.fetchone(
        "SELECT COUNT(*) AS total,"
        " COALESCE(SUM(CASE WHEN last_seen >= ? THEN 1 ELSE 0 END), 0) AS day,"
        " COALESCE(SUM(CASE WHEN last_seen >= ? THEN 1 ELSE 0 END), 0) AS week,"
        " COALESCE(SUM(is_blocked), 0) AS blocked,"
        " COALESCE(SUM(is_banned), 0) AS banned"
        " FROM users",
        (now - DAY, now - 7 * DAY),
    )
    assert row is not None
    users = UserStats(
        total=int(row["total"]),
        active_day=int(row["day"]),
        active_week=int(row["week"]),
        blocked=int(row["blocked"]),
        banned=int(row["banned"]),
    )
    today, week = start_of_day(now), now - 7 * DAY
    rows = await db.fetchall(
        "SELECT status, COUNT(*) AS total,"
        " SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS today,"
        " SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS week,"
        " SUM(charge - refunded) AS turnover,"
        " SUM(COALESCE(cost, 0)) AS cost,"
        " SUM(CASE WHEN created_at >= ? THEN charge - refunded ELSE 0 END) AS turnover_week,"
        " SUM(CASE WHEN created_at >= ? THEN COALESCE(cost, 0) ELSE 0 END) AS cost_week"
        f" FROM {_orders_by_status(db)} GROUP BY status",
        (today, week, week, week),
    )
    stats = Stats(users=users)
    for r in sorted(rows, key=lambda r: (-int(r["total"]), str(r["status"]))):
        stats.orders[str(r["status"])] = StatusCounts(
            today=int(r["today"] or 0), week=int(r["week"] or 0), total=int(r["total"])
        )
        stats.turnover += int(r["turnover"] or 0)
        stats.cost += int(r["cost"] or 0)
        stats.turnover_week += int(r["turnover_week"] or 0)
        stats.cost_week += int(r["cost_week"] or 0)
    return stats
