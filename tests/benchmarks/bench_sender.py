"""Sender benchmark: 1,000 queued notifications to 1,000 users through the fake Bot API with
Telegram's flood limits enforced. Prints the delivery time and the number of 429 answers.
Run: python tests/benchmarks/bench_sender.py [messages]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.db import Database
from bot.i18n import make_core
from bot.sender import Sender, SenderLimits
from bot.services import outbox
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:BENCH-token"


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.connect()
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, tg_language, first_seen, last_seen)"
                " VALUES (?, 'u', ?, 0, 0)",
                [(10_000 + i, "ru" if i % 2 else "en") for i in range(n)],
            )
            for i in range(n):
                await outbox.enqueue(conn, 10_000 + i, "start-greeting", {"name": f"u{i}"})
        core = make_core("en")
        await core.startup()
        settings = Settings(
            bot_token=TOKEN, panel_api_key="k", admin_chat_id=-1, database_path=Path(tmp) / "x"
        )
        async with FakeTelegram(token=TOKEN) as tg:
            tg.enforce_limits = True
            bot = tg.make_bot()
            sender = Sender(bot, db, core, settings, SenderLimits(start_delay=0))
            stop = asyncio.Event()
            started = time.perf_counter()
            task = asyncio.create_task(sender.run(stop))
            # an order notification queued mid-broadcast: how long does it wait?
            await asyncio.sleep(5)
            async with db.transaction() as conn:
                await conn.execute("UPDATE outbox SET batch = 'broadcast' WHERE chat_id >= 10000")
                await outbox.enqueue(conn, 1, "help-text")
            sender.wake()
            urgent_at = time.perf_counter()
            urgent_done = None
            while True:
                await asyncio.sleep(0.05)
                if urgent_done is None and tg.delivered[1]:
                    urgent_done = time.perf_counter() - urgent_at
                if sum(tg.delivered.values()) >= n + 1:
                    break
            elapsed = time.perf_counter() - started
            stop.set()
            await task
            await bot.session.close()
            print(f"messages: {n} to {n} users (+1 order notification mid-broadcast)")
            print(f"delivered in {elapsed:.2f}s ({(n + 1) / elapsed:.1f} msg/s)")
            print(f"429 answers from the fake Bot API: {tg.rejected_429}")
            print(f"order notification waited {urgent_done:.2f}s behind the broadcast")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
