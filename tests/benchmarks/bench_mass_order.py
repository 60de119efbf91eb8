"""Mass order benchmark: a 100-line list confirmed through the real dispatcher (real aiogram
Bot over HTTP to the fake Bot API, a real PanelClient to the fake panel, a real SQLite file),
the fake panel answering every request in 50 ms. Measures the Confirm press from the tap to
the result message, and the most `add` requests the panel saw in flight at once.
Goal: < 3 s, in flight never above MASS_ORDER_CONCURRENCY.
Run: PYTHONPATH=. python tests/benchmarks/bench_mass_order.py [lines] [concurrency] [runs]
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.keyboards.menu import MenuCb
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness
from tests.helpers import MICRO, USER, add_user, last_shown

PANEL_DELAY = 0.05


async def one_run(lines: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tg, panel = FakeTelegram(), FakePanel()
        await tg.start()
        await panel.start()
        h = BotHarness(Path(tmp), tg, panel, mass_order_concurrency=concurrency)
        await h.start()
        try:
            await add_user(h.db, USER, balance=100 * MICRO)
            panel.delay = PANEL_DELAY
            await h.press(MenuCb(action="mass"))
            text = "\n".join(f"2 | https://instagram.com/p/b{n} | 1000" for n in range(lines))
            started = time.perf_counter()
            calls = await h.send(text)
            summary = time.perf_counter() - started
            [confirm] = [d for _, d in h.buttons(last_shown(calls)) if d.startswith("mc:")]
            started = time.perf_counter()
            calls = await h.press(confirm)
            placing = time.perf_counter() - started
            placed = await h.db.fetchval("SELECT COUNT(*) FROM orders WHERE status = 'pending'")
            return {
                "summary": summary,
                "confirm": placing,
                "placed": float(placed or 0),
                "adds": float(len(panel.add_calls)),
                "in_flight": float(panel.max_adds_in_flight),
                "errors": float(len(h.errors)),
            }
        finally:
            await h.stop()
            await panel.stop()
            await tg.stop()


async def main(lines: int, concurrency: int, runs: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    for _ in range(runs):
        r = await one_run(lines, concurrency)
        print(
            f"{lines} lines, concurrency {concurrency}: summary {r['summary']:.2f} s,"
            f" confirm -> result {r['confirm']:.2f} s, placed {r['placed']:.0f},"
            f" adds {r['adds']:.0f}, max in flight {r['in_flight']:.0f},"
            f" failed updates {r['errors']:.0f}"
        )
        results.append(r["confirm"])
    print(f"median confirm -> result: {statistics.median(results):.2f} s")


results: list[float] = []

if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    lines = args[0] if args else 100
    concurrency = args[1] if len(args) > 1 else 5
    runs = args[2] if len(args) > 2 else 3
    asyncio.run(main(lines, concurrency, runs))
