"""Burst benchmark: N first-time users send their first message at the same moment (half
/start, half a plain-text search) through the real dispatcher, the real aiogram Bot talking
HTTP to the fake Bot API, a real SQLite file and the fake panel's catalog. Prints how many
got an answer, how many updates failed, and the latency of each answer from the start of
the burst (p50 / p95 / max). Goal: every user answered.
Run: PYTHONPATH=. python tests/benchmarks/bench_burst.py [users] [runs]
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness

FIRST_ID = 500_000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def one_run(users: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tg, panel = FakeTelegram(), FakePanel()
        await tg.start()
        await panel.start()
        harness = BotHarness(Path(tmp), tg, panel)
        await harness.start()
        try:
            updates = [
                tg.make_message(
                    "/start" if n % 2 == 0 else "followers",
                    user_id=FIRST_ID + n,
                    language_code="en" if n % 3 else "ru",
                )
                for n in range(users)
            ]
            latencies: list[float] = []
            started = time.perf_counter()

            async def user(update: dict[str, object]) -> None:
                try:
                    await harness.send_message(update)
                finally:
                    latencies.append(time.perf_counter() - started)

            results = await asyncio.gather(*(user(u) for u in updates), return_exceptions=True)
            wall = time.perf_counter() - started
            # an apology for a failed update is not an answer
            apologies = {harness.core.get("error-generic", lang) for lang in ("en", "ru")}
            answered = Counter(
                c.chat_id
                for c in tg.calls
                if c.method == "sendMessage" and c.ok and c.text not in apologies
            )
            return {
                "answered": sum(1 for n in range(users) if answered[FIRST_ID + n]),
                "failed": len(harness.errors)
                + sum(1 for r in results if isinstance(r, BaseException)),
                "p50": percentile(latencies, 50) * 1000,
                "p95": percentile(latencies, 95) * 1000,
                "max": max(latencies) * 1000,
                "wall": wall,
            }
        finally:
            await harness.stop()
            await panel.stop()
            await tg.stop()


async def main(users: int, runs: int) -> None:
    # failed updates are counted (the harness listens on bot.app's errors), not printed
    app_log = logging.getLogger("bot.app")
    app_log.setLevel(logging.ERROR)
    app_log.propagate = False
    print(f"{users} first-time users at once, {runs} runs")
    print("| run | answered | failed updates | p50 | p95 | max | wall |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for run in range(1, runs + 1):
        r = await one_run(users)
        rows.append(r)
        print(f"| {run} | {r['answered']:.0f} / {users} | {r['failed']:.0f} | {r['p50']:.0f} ms"
              f" | {r['p95']:.0f} ms | {r['max']:.0f} ms | {r['wall']:.1f} s |")  # fmt: skip
    if runs > 1:
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"| median | {med['answered']:.0f} / {users} | {med['failed']:.0f} |"
              f" {med['p50']:.0f} ms | {med['p95']:.0f} ms | {med['max']:.0f} ms |"
              f" {med['wall']:.1f} s |")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
            int(sys.argv[2]) if len(sys.argv) > 2 else 3,
        )
    )
