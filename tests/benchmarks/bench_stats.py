"""/stats benchmark: the numbers behind /stats on 10,000 users and 100,000 orders (target:
under 300 ms). Prints the timing of a cold and of warm runs, with and without the
`orders_stats` index of migration 007.
Run: python tests/benchmarks/bench_stats.py [orders] [users]
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

from bot.db import Database
from bot.services import stats
from tests.benchmarks.bench_database import arguments, bench_target

STATUSES = ["completed"] * 60 + ["partial"] * 5 + ["canceled"] * 5 + ["in_progress"] * 10
STATUSES += ["pending"] * 10 + ["failed"] * 5 + ["unknown"] + ["refunded"] * 4
DAY = 86_400


async def seed(db: Database, n_orders: int, n_users: int) -> None:
    rnd = random.Random(7)
    now = int(time.time())
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (id, first_name, balance, is_blocked, is_banned, first_seen,"
            " last_seen) VALUES (?, 'u', ?, ?, ?, ?, ?)",
            [
                (
                    100_000 + i,
                    rnd.randrange(0, 50_000_000),
                    int(rnd.random() < 0.05),
                    int(rnd.random() < 0.01),
                    now - 365 * DAY,
                    now - rnd.randrange(0, 60 * DAY),
                )
                for i in range(n_users)
            ],
        )
        await conn.execute("INSERT INTO categories (id, name) VALUES (1, 'c')")
        await conn.execute(
            "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
            " updated_at) VALUES ('1', 1, 's', 'Default', 'default', 900000, 10, 10000, 0)"
        )
        rows = []
        for i in range(n_orders):
            created = now - rnd.randrange(0, 365 * DAY)
            status = rnd.choice(STATUSES)
            charge = rnd.randrange(100_000, 50_000_000)
            refunded = charge if status in {"failed", "refunded", "canceled"} else 0
            cost = None if status in {"failed", "unknown"} else charge * 8 // 10
            rows.append(
                (100_000 + rnd.randrange(n_users), f"t{i}", status, str(i), charge, cost,
                 refunded, created, created, created)
            )  # fmt: skip
        await conn.executemany(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " charge, cost, refunded, status_changed_at, created_at, updated_at)"
            " VALUES (?, '1', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    await db.execute("ANALYZE")


async def timed(db: Database, runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await stats.collect(db)
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:]), max(times[1:])


async def main(n_orders: int, n_users: int, url: str | None) -> None:
    async with bench_target(url) as path:
        db = Database(path)
        await db.connect()
        start = time.perf_counter()
        await seed(db, n_orders, n_users)
        print(
            f"seeded {n_users} users and {n_orders} orders in {time.perf_counter() - start:.1f} s"
        )
        # a fresh process: cold page cache of the connection
        await db.close()
        db = Database(path)
        await db.connect()
        first, median, worst = await timed(db, 11)
        print(f"with orders_stats index:    first {first:.0f} ms, median {median:.0f} ms,"
              f" max {worst:.0f} ms")  # fmt: skip
        numbers = await stats.collect(db)
        print(f"  check: {numbers.users.total} users, {numbers.orders_total} orders,"
              f" {len(numbers.orders)} statuses")  # fmt: skip
        # the same aggregate on the table (what it costs without migration 007's index)
        await db.execute("DROP INDEX orders_stats")
        try:
            first, median, worst = await timed_without_index(db)
            print(f"without orders_stats index: first {first:.0f} ms, median {median:.0f} ms,"
                  f" max {worst:.0f} ms")  # fmt: skip
        finally:
            await db.close()


async def timed_without_index(db: Database) -> tuple[float, float, float]:
    # the production query names its index; without it, run the same aggregate on the table
    sql = (
        "SELECT status, COUNT(*), SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END),"
        " SUM(charge - refunded), SUM(COALESCE(cost, 0)),"
        " SUM(CASE WHEN created_at >= ? THEN charge - refunded ELSE 0 END),"
        " SUM(CASE WHEN created_at >= ? THEN COALESCE(cost, 0) ELSE 0 END)"
        " FROM orders GROUP BY status"
    )
    now = int(time.time())
    times = []
    for _ in range(11):
        start = time.perf_counter()
        await db.fetchall(sql, (now - now % DAY, now - 7 * DAY, now - 7 * DAY, now - 7 * DAY))
        await db.fetchone(
            "SELECT COUNT(*), SUM(CASE WHEN last_seen >= ? THEN 1 ELSE 0 END) FROM users",
            (now - DAY,),
        )
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times[1:]), max(times[1:])


if __name__ == "__main__":
    args = arguments(__doc__ or "", ("orders", 100_000), ("users", 10_000))
    asyncio.run(main(args.orders, args.users, args.database_url))
