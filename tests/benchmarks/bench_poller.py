"""Poller benchmark: 10,000 active orders, a fake panel answering in 50 ms.

Prints status requests per cycle, cycle time and memory across cycles (tracemalloc).
Run: python tests/benchmarks/bench_poller.py [orders] [cycles]
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc

from bot.db import Database
from bot.panel import PanelClient
from bot.services.orders.poller import Poller, PollerConfig
from tests.benchmarks.bench_database import arguments, bench_target
from tests.fakes.panel import FakePanel
from tests.helpers import make_notices


async def main(n_orders: int, cycles: int, url: str | None) -> None:
    async with bench_target(url) as target:
        db = Database(target)
        await db.connect()
        async with FakePanel() as fake:
            fake.delay = 0.05
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO users (id, first_name, first_seen, last_seen)"
                    " VALUES (1, 'b', 0, 0)"
                )
                await conn.execute("INSERT INTO categories (id, name) VALUES (1, 'c')")
                await conn.execute(
                    "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty,"
                    " max_qty, updated_at) VALUES ('2', 1, 's', 'Default', 'default', 1, 1, 9, 0)"
                )
                rows = []
                for i in range(n_orders):
                    o = fake.add_order("2", link="x", quantity="100")
                    o.status = "In progress"
                    rows.append((f"t{i}", o.id, int(time.time())))
                await conn.executemany(
                    "INSERT INTO orders (user_id, service_id, confirm_token, status,"
                    " panel_order_id, quantity, charge, status_changed_at, created_at, updated_at)"
                    " VALUES (1, '2', ?, 'in_progress', ?, 100, 1000, ?, 0, 0)",
                    rows,
                )
            async with PanelClient(fake.url, fake.key, read_timeout=10) as client:
                poller = Poller(
                    db,
                    client,
                    notices=make_notices(-1, order_button=str),
                    config=PollerConfig(interval=60),
                )
                plain: list[float] = []
                for _ in range(3):  # timing without tracemalloc (it slows Python 2-3x)
                    await db.execute("UPDATE orders SET next_poll_at = 0")
                    fake.requests.clear()
                    started = time.perf_counter()
                    await poller.poll_once()
                    plain.append(time.perf_counter() - started)
                    statuses = [r for r in fake.requests if r["action"] == "status"]
                    print(f"untraced cycle: {plain[-1]:.3f}s, {len(statuses)} status requests")
                tracemalloc.start()
                times: list[float] = []
                requests: list[int] = []
                mem: list[int] = []
                for cycle in range(cycles):
                    await db.execute("UPDATE orders SET next_poll_at = 0")
                    fake.requests.clear()  # the fake's own log would count as our memory
                    before = 0
                    started = time.perf_counter()
                    report = await poller.poll_once()
                    times.append(time.perf_counter() - started)
                    requests.append(len(fake.requests) - before)
                    assert report.polled == n_orders, report
                    if cycle in (0, 9, cycles // 2, cycles - 1):
                        current, _peak = tracemalloc.get_traced_memory()
                        mem.append(current)
                        print(f"cycle {cycle + 1}: traced memory {current / 1e6:.2f} MB")
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
        await db.close()
    print(f"orders: {n_orders}, cycles: {cycles}, panel delay 50 ms, 4 requests in flight")
    print(f"status requests per cycle: min {min(requests)} max {max(requests)}")
    print(f"cycle time without tracemalloc: {min(plain):.3f}s .. {max(plain):.3f}s")
    print(
        f"cycle time under tracemalloc: first {times[0]:.3f}s, mean {sum(times) / len(times):.3f}s,"
        f" max {max(times):.3f}s"
    )
    print(f"traced memory after cycle 10: {mem[1] / 1e6:.2f} MB, last: {mem[-1] / 1e6:.2f} MB,"
          f" peak {peak / 1e6:.2f} MB")  # fmt: skip


if __name__ == "__main__":
    args = arguments(__doc__ or "", ("orders", 10_000), ("cycles", 100))
    asyncio.run(main(args.orders, args.cycles, args.database_url))
