"""Poller benchmark: 10,000 active orders, a fake panel answering in 50 ms.

Prints status requests per cycle, cycle time and memory across cycles (tracemalloc).
Run: python tests/benchmarks/bench_poller.py [orders] [cycles]
     python tests/benchmarks/bench_poller.py --half [orders] [--no-refunds]
(from the repository root with PYTHONPATH=.): a cycle with half the orders changing,
against the latency bound.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bot.db import Database, Tx
from bot.panel import PanelClient
from bot.services.orders.poller import Poller, PollerConfig
from bot.services.orders.status import apply_panel_status
from tests.benchmarks.bench_database import bench_target
from tests.fakes.panel import FakePanel
from tests.helpers import make_notices

ROOT = Path(__file__).resolve().parents[2]
DELAY = 0.05  # the fake panel's answer time
BATCH, IN_FLIGHT = 100, 4  # PollerConfig's batch size and requests in flight


async def _seed(db: Database, fake: FakePanel | None, n_orders: int, ids: list[str]) -> list[str]:
    """n orders `in_progress` in the database (and on `fake`, when given, whose ids are
    added to `ids`); their panel ids."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (id, first_name, first_seen, last_seen) VALUES (1, 'b', 0, 0)"
        )
        await conn.execute("INSERT INTO categories (id, name) VALUES (1, 'c')")
        await conn.execute(
            "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty,"
            " max_qty, updated_at) VALUES ('2', 1, 's', 'Default', 'default', 1, 1, 9, 0)"
        )
        for _ in range(n_orders if fake is not None else 0):
            o = fake.add_order("2", link="x", quantity="100")
            o.status = "In progress"
            ids.append(o.id)
        await _insert_orders(conn, ids[:n_orders], 0)
    return ids


async def _insert_orders(conn: Tx, panel_ids: list[str], first: int) -> None:
    """An `in_progress` order of ours for each panel id (confirm tokens from `first` on)."""
    await conn.executemany(
        "INSERT INTO orders (user_id, service_id, confirm_token, status,"
        " panel_order_id, quantity, charge, status_changed_at, created_at, updated_at)"
        " VALUES (1, '2', ?, 'in_progress', ?, 100, 1000, ?, 0, 0)",
        [(f"t{first + i}", panel_id, int(time.time())) for i, panel_id in enumerate(panel_ids)],
    )


async def half_changing(
    n_orders: int = 10_000, cycles: int = 3, sample: int = 200, *, refunds: bool = True
) -> dict[str, float]:
    """The poll cycle with half the orders changing (a quarter completed, a quarter partly
    delivered with a refund; without `refunds`, a quarter processing instead) against the
    latency bound (batches x panel time / requests in flight) and a naive poller (one
    request and one transaction per order, as many in flight), the naive one timed on
    `sample` orders and scaled. Medians of `cycles`."""
    # The fake panel runs in its own process, as a real panel does: in ours, rendering
    # 10,000 answers would be counted as the poller's time.
    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-panel", str(n_orders), str(int(refunds)),
        stdout=asyncio.subprocess.PIPE, cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)},
        limit=1 << 24,  # the first line lists every order id
    )  # fmt: skip
    assert server.stdout is not None
    panel = json.loads(await server.stdout.readline())
    try:
        async with bench_target(os.environ.get("BENCH_DATABASE_URL")) as target:
            db = Database(target)
            await db.connect()
            ids = await _seed(db, None, n_orders, panel["ids"])
            notices = make_notices(-1, order_button=str)
            async with PanelClient(panel["url"], panel["key"], read_timeout=10) as client:
                poller = Poller(db, client, notices=notices, config=PollerConfig(interval=60))
                times = []
                for _ in range(cycles):
                    await _reopen(db, ids)
                    started = time.perf_counter()
                    report = await poller.poll_once()
                    times.append(time.perf_counter() - started)
                    assert report.changed == n_orders // 2, report
                naive = await _naive(db, client, notices, ids[:sample], ids)
            await db.close()
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()
    bound = -(-n_orders // BATCH) * DELAY / IN_FLIGHT
    cycle = statistics.median(times)
    return {"cycle": cycle, "bound": bound, "naive": naive * n_orders / sample}


async def _reopen(db: Database, ids: list[str]) -> None:
    """Every panel order open again as a fresh order of ours (the old ones settled as
    `failed`, no longer polled), so each cycle is the first: a partial really refunds and
    every notification is new. (Reopening the same rows would make a partial a replay: its
    ledger step, append-only, is already there, so it moves nothing and takes the
    operator-alert path instead.)"""
    async with db.transaction() as conn:
        await conn.execute("UPDATE orders SET status = 'failed' WHERE status != 'failed'")
        first = int(await conn.fetchval("SELECT COUNT(*) FROM orders"))
        await _insert_orders(conn, ids, first)


async def _naive(
    db: Database, client: PanelClient, notices: Any, ids: list[str], every: list[str]
) -> float:
    """One status request and one transaction per order, IN_FLIGHT at once: seconds."""
    await _reopen(db, every)
    marks = ",".join("?" * len(ids))
    rows = await db.fetchall(
        "SELECT id, panel_order_id FROM orders"
        f" WHERE status = 'in_progress' AND panel_order_id IN ({marks})",
        ids,
    )
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(order_id: int, panel_id: str) -> None:
        async with gate:
            answer = await client.status(panel_id)
        async with db.transaction() as tx:
            await apply_panel_status(tx, notices, order_id, answer, currency="USD")

    started = time.perf_counter()
    await asyncio.gather(*(one(int(r[0]), str(r[1])) for r in rows))
    return time.perf_counter() - started


async def main(n_orders: int, cycles: int) -> None:
    async with bench_target(os.environ.get("BENCH_DATABASE_URL")) as target:
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
                    rows.append((f"t{i}", o.id))
                await conn.executemany(
                    "INSERT INTO orders (user_id, service_id, confirm_token, status,"
                    " panel_order_id, quantity, charge, status_changed_at, created_at, updated_at)"
                    " VALUES (1, '2', ?, 'in_progress', ?, 100, 1000, strftime('%s'), 0, 0)",
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


async def serve_panel(n_orders: int, refunds: bool) -> None:
    """The fake panel with n orders, half of them changing, in this process until SIGTERM;
    prints {"url", "key", "ids"} on one line."""
    async with FakePanel() as fake:
        fake.delay = DELAY
        ids = []
        for n in range(n_orders):
            order = fake.add_order("2", link="x", quantity="100")
            third = "Partial" if refunds else "Processing"
            order.status = ("Completed", "In progress", third, "In progress")[n % 4]
            order.remains = 40 if n % 4 == 2 else 0
            ids.append(order.id)
        print(json.dumps({"url": fake.url, "key": fake.key, "ids": ids}), flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


async def print_half_changing(n_orders: int, refunds: bool = True) -> None:
    f = await half_changing(n_orders, refunds=refunds)
    print(f"{n_orders} open orders, half changing{'' if refunds else ' (no refunds)'},"
          f" panel {DELAY * 1000:.0f} ms, {IN_FLIGHT} requests in flight")  # fmt: skip
    ratio = f["cycle"] / f["bound"]
    print(f"cycle {f['cycle']:.2f} s; latency bound {f['bound']:.2f} s ({ratio:.2f}x);"
          f" naive poller {f['naive']:.1f} s")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-panel"]:
        asyncio.run(serve_panel(int(sys.argv[2]), sys.argv[3] == "1"))
    elif sys.argv[1:2] == ["--half"]:
        # --half [orders] [--no-refunds]: a quarter processing instead of partly refunded
        numbers = [int(a) for a in sys.argv[2:] if a.isdigit()]
        refunds = "--no-refunds" not in sys.argv
        asyncio.run(print_half_changing(numbers[0] if numbers else 10_000, refunds))
    else:
        args = [int(a) for a in sys.argv[1:]]
        asyncio.run(main(*(args + [10_000, 100][len(args) :])))
