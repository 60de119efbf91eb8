"""Resident memory (VmRSS) of the bot against a bare aiogram echo bot, each in a fresh process
(`python -m tests.benchmarks.bench_rss echo|bot` prints the MB). Both serve the same 1,000
updates from the in-process fake Bot API; the bot also holds 10,000 services, 10,000 users
and 100,000 orders (10,000 of them open) and runs a poll cycle over the open ones against
the in-process fake panel (so its figure includes that fake's memory too).
"""

from __future__ import annotations

import asyncio
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.benchmarks.bench_catalog import build_services, sync_stall
from tests.benchmarks.bench_updates import echo_dispatcher
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness

UPDATES = 1000
USERS, ORDERS, OPEN = 10_000, 100_000, 10_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _texts(n: int) -> list[str]:
    return ["/start" if i % 2 else "instagram likes" for i in range(n)]


async def echo() -> float:
    async with FakeTelegram() as tg:
        dp = echo_dispatcher()
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        for i, text in enumerate(_texts(UPDATES)):
            await tg.feed(dp, bot, tg.make_message(text, user_id=200_000 + i % 300))
        tg.calls.clear()
        await bot.session.close()
        gc.collect()
        return rss_mb()


async def _fill(harness: BotHarness, panel: FakePanel) -> None:
    now = int(time.time())
    async with harness.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, tg_language, first_seen, last_seen)"
            " VALUES (?, 'u', 'en', 0, 0) ON CONFLICT (id) DO NOTHING",
            [(300_000 + i,) for i in range(USERS)],
        )
        rows = []
        for i in range(ORDERS):
            open_ = i < OPEN
            panel_id = panel.add_order("1", link="x", quantity="100").id if open_ else None
            status = "in_progress" if open_ else "completed"
            rows.append((300_000 + i % USERS, f"rss{i}", status, panel_id, now, now))
        await tx.executemany(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, '1', ?, ?, ?, 100, 1000, ?, ?, 0)",
            rows,
        )


async def bot() -> float:
    from bot.services.orders.poller import Poller

    with tempfile.TemporaryDirectory() as tmp:
        tg, panel = FakeTelegram(), FakePanel()
        await tg.start()
        await panel.start()
        harness = BotHarness(Path(tmp), tg, panel, sync_catalog=False)
        await harness.start()
        try:
            await sync_stall(harness.db, build_services(random.Random(1), 10_000))
            await _fill(harness, panel)
            poller = Poller(harness.db, harness.panel, notices=harness.notices)
            await poller.poll_once()
            for i, text in enumerate(_texts(UPDATES)):
                await harness.send(text, 300_000 + i % 300)
            tg.calls.clear()
            gc.collect()
            return rss_mb()
        finally:
            await harness.stop()
            await panel.stop()
            await tg.stop()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "echo"
    print(f"{asyncio.run(echo() if which == 'echo' else bot()):.1f}")
