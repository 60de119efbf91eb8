"""Cost of one update, whole handler, at a catalog size: the real dispatcher (tests/harness.py)
against a bare aiogram echo bot fed the same updates, both answering the fake Bot API on
127.0.0.1 in this process. Also the catalog sync at that size (time, longest event-loop
stall) and the p95 of the catalog screens.
Run: PYTHONPATH=. python tests/benchmarks/bench_updates.py [services] [updates]
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.keyboards.catalog import CatCb, SvcListCb
from tests.benchmarks.bench_catalog import NETWORKS, THINGS, build_services, sync_stall
from tests.benchmarks.bench_rss import echo_dispatcher
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness

SEED = 20261130
# returning users, taken in turn: the flood limit allows one user 20 updates per 10 s
USERS = range(100_001, 100_301)
WORDS = [w.lower() for w in NETWORKS + THINGS + ["hq", "real", "refill", "fast", "zzz"]]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def timed(samples: list[float], call: Callable[[], Awaitable[object]]) -> None:
    started = time.perf_counter()
    await call()
    samples.append((time.perf_counter() - started) * 1000)


def _queries(rng: random.Random, services: int, n: int) -> list[str]:
    queries = []
    for _ in range(n):
        if rng.random() < 0.15:
            queries.append(str(rng.randrange(1, services)))
        else:
            query = " ".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3))))
            queries.append(query.upper() if rng.random() < 0.5 else query)
    return queries


async def measure(services: int, updates: int) -> dict[str, Any]:
    """Figures for one catalog size: ms per update (p50, p95, mean) for the bot and the
    echo bot, the sync's time and longest loop stall."""
    rng = random.Random(SEED)
    figures: dict[str, Any] = {"services": services}
    with tempfile.TemporaryDirectory() as tmp:
        tg, panel = FakeTelegram(), FakePanel()
        await tg.start()
        await panel.start()
        harness = BotHarness(Path(tmp), tg, panel, sync_catalog=False)
        await harness.start()
        echo = echo_dispatcher()
        echo_bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        try:
            report, seconds, stall = await sync_stall(harness.db, build_services(rng, services))
            figures["sync_s"], figures["sync_stall_ms"] = seconds, stall
            cats = await harness.db.fetchall(
                "SELECT id FROM categories WHERE offered > 0 ORDER BY position"
            )
            category_ids = [int(r[0]) for r in cats]
            pages = max(1, (len(category_ids) + 9) // 10)
            for user in USERS:  # returning users, as most updates come from
                await harness.send("/start", user)
            users = itertools.cycle(USERS)
            # (is a press, text or callback data, user): each bot gets its own update
            feeds: dict[str, list[tuple[bool, str, int]]] = {
                "/start": [(False, "/start", next(users)) for _ in range(updates)],
                "category list": [
                    (True, CatCb(page=rng.randrange(pages)).pack(), next(users))
                    for _ in range(updates)
                ],
                "category page": [
                    (
                        True,
                        SvcListCb(
                            category_id=rng.choice(category_ids), page=rng.randrange(3)
                        ).pack(),
                        next(users),
                    )
                    for _ in range(updates)
                ],
                "search": [(False, q, next(users)) for q in _queries(rng, services, updates)],
            }

            def update(press: bool, data: str, user: int) -> dict[str, Any]:
                if press:
                    return tg.make_callback(data, user_id=user)
                return tg.make_message(data, user_id=user)

            tg.calls.clear()
            answered = 0
            # The fixtures (the fake Bot API and its log, the generated catalog) live in
            # this process only because the benchmark puts them here: out of the garbage
            # collector's sight, as they would be in another process, so a full collection
            # costs what the bots made, not what the fakes hold (both bots alike).
            gc.collect()
            gc.freeze()
            for name, feed in feeds.items():
                bot_ms: list[float] = []
                echo_ms: list[float] = []
                for item in feed:
                    mine, theirs = update(*item), update(*item)
                    await timed(bot_ms, lambda u=mine: tg.feed(harness.dp, harness.bot, u))
                    await timed(echo_ms, lambda u=theirs: tg.feed(echo, echo_bot, u))
                figures[name] = {
                    "p50": statistics.median(bot_ms),
                    "p95": percentile(bot_ms, 0.95),
                    "mean": statistics.fmean(bot_ms),
                    "echo_mean": statistics.fmean(echo_ms),
                    "echo_p95": percentile(echo_ms, 0.95),
                }
                answered += len(tg.calls)
                tg.calls.clear()
            figures["failed_updates"] = len(harness.errors)
            # every update of both bots got its answer (none dropped by a limit)
            answered += len(tg.calls)
            figures["answers"] = (answered, 2 * 4 * updates)
            assert report.total == services
        finally:
            await echo_bot.session.close()
            await harness.stop()
            await panel.stop()
            await tg.stop()
    return figures


async def main(services: int, updates: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("bot").setLevel(logging.ERROR)
    figures = await measure(services, updates)
    print(f"{services} services: sync {figures['sync_s']:.2f} s, longest loop stall"
          f" {figures['sync_stall_ms']:.0f} ms")  # fmt: skip
    print(f"failed updates {figures['failed_updates']}, Bot API calls / updates fed:"
          f" {figures['answers'][0]} / {figures['answers'][1]}")  # fmt: skip
    print("| update | p50 | p95 | mean | echo bot mean | × echo |")
    print("|---|---|---|---|---|---|")
    for name in ("/start", "category list", "category page", "search"):
        f = figures[name]
        print(f"| {name} | {f['p50']:.2f} ms | {f['p95']:.2f} ms | {f['mean']:.2f} ms |"
              f" {f['echo_mean']:.2f} ms | {f['mean'] / f['echo_mean']:.1f}× |")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
            int(sys.argv[2]) if len(sys.argv) > 2 else 200,
        )
    )
