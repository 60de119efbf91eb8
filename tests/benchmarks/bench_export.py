"""/export benchmark: the CSV of 100,000 orders (target: under 50 MB of extra memory).

Seeds a fresh SQLite file, reopens it (cold connection), then runs what /export orders runs
(`bot.services.export.write_csv`: keyset pages into a temp file) and measures the memory it
took on top of what the process held before: the peak resident size (VmHWM, reset first
through /proc/self/clear_refs) and Python's own allocations (tracemalloc). For comparison,
the same rows read in one `fetchall` (what an export that loads everything would hold).
Run: PYTHONPATH=. python tests/benchmarks/bench_export.py [orders]
"""

from __future__ import annotations

import asyncio
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.db import Database
from bot.services import export


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        return True
    except OSError:
        return False


async def seed(db: Database, n_orders: int) -> None:
    rnd = random.Random(7)
    now = int(time.time())
    n_users = max(1, n_orders // 10)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, balance, first_seen, last_seen)"
            " VALUES (?, 'u', 0, ?, ?)",
            [(100_000 + i, now, now) for i in range(n_users)],
        )
        await tx.execute("INSERT INTO categories (id, name) VALUES (1, 'c')")
        await tx.execute(
            "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
            " updated_at) VALUES ('1', 1, 'Instagram Likes [Real, HQ, 30 days refill]',"
            " 'Default', 'default', 900000, 10, 10000, 0)"
        )
        await tx.executemany(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " link, quantity, fields, charge, refunded, cost, status_changed_at, created_at,"
            " updated_at) VALUES (?, '1', ?, 'completed', ?, ?, 1000, ?, ?, 0, ?, ?, ?, ?)",
            [
                (
                    100_000 + rnd.randrange(n_users),
                    f"t{i}",
                    str(5_000_000 + i),
                    f"https://www.instagram.com/p/{rnd.getrandbits(64):x}/",
                    '{"link": "https://www.instagram.com/p/x/", "quantity": "1000"}',
                    rnd.randrange(100_000, 50_000_000),
                    rnd.randrange(50_000, 40_000_000),
                    now,
                    now - rnd.randrange(0, 365 * 86_400),
                    now,
                )
                for i in range(n_orders)
            ],
        )


async def measure(name: str, work: Callable[[], Awaitable[int]]) -> None:
    """Time without tracemalloc (it slows allocation-heavy code several times), then memory."""
    started = time.perf_counter()
    await work()
    seconds = time.perf_counter() - started
    gc.collect()
    base_rss = _status_kb("VmRSS")
    exact = _reset_peak()
    tracemalloc.start()
    rows = await work()
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = _status_kb("VmHWM") if exact else _status_kb("VmRSS")
    extra = max(0, peak_rss - base_rss) / 1024
    print(
        f"{name:<28} rows {rows:>7}  {seconds:6.2f} s  extra RSS (peak) {extra:6.1f} MB"
        f"  python peak {py_peak / 2**20:6.1f} MB"
    )


async def main(n_orders: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = Database(path)
        await db.connect()
        await seed(db, n_orders)
        await db.close()
        db = Database(path)  # cold
        await db.connect()
        size: list[int] = []

        async def streamed() -> int:
            made = await export.write_csv(db, "orders")
            size.append(made.path.stat().st_size)
            made.remove()
            return made.rows

        async def all_at_once() -> int:
            rows = await db.fetchall("SELECT * FROM orders ORDER BY id")
            return len(rows)

        print(f"{n_orders} orders, SQLite {path.stat().st_size / 2**20:.1f} MB")
        await measure("/export orders (streamed)", streamed)
        print(f"{'':<28} CSV file {size[0] / 2**20:.1f} MB")
        await measure("fetchall, for comparison", all_at_once)
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
