"""Sender benchmark: 1,000 queued notifications to 1,000 users through the fake Bot API with
Telegram's flood limits enforced. Prints the delivery time and the number of 429 answers.
Run: python tests/benchmarks/bench_sender.py [messages]
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiogram import Bot  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.sender import Sender, SenderLimits  # noqa: E402
from bot.services import outbox  # noqa: E402
from bot.texts import make_core  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "123456:BENCH-token"


async def main(n: int) -> dict[str, float]:
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
            bot_token=TOKEN,
            panel_api_url="http://127.0.0.1:9",
            panel_api_key="k",
            admin_chat_id=-1,
            database_path=Path(tmp) / "x",
        )
        # The fake Bot API runs in its own process, as Telegram does: sharing our event loop
        # would let its own scheduling jitter bunch arrivals and fake a burst.
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            stdout=asyncio.subprocess.PIPE,
            cwd=str(ROOT),
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert server.stdout is not None
        url = (await server.stdout.readline()).decode().strip()
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
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
            if urgent_done is None and await db.fetchval(
                "SELECT status = 'sent' FROM outbox WHERE chat_id = 1"
            ):
                urgent_done = time.perf_counter() - urgent_at
            if await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'sent'") >= n + 1:
                break
        elapsed = time.perf_counter() - started
        stop.set()
        await task
        await bot.session.close()
        server.send_signal(signal.SIGTERM)
        stats = json.loads((await server.stdout.read()).decode() or "{}")
        await server.wait()
        print(f"messages: {n} to {n} users (+1 order notification mid-broadcast)")
        print(f"delivered in {elapsed:.2f}s ({(n + 1) / elapsed:.1f} msg/s)")
        print(f"429 answers from the fake Bot API: {stats.get('rejected_429')}")
        print(f"messages the fake Bot API delivered: {stats.get('delivered')}")
        print(f"order notification waited {urgent_done:.2f}s behind the broadcast")
        await db.close()
        return {
            "rate": (n + 1) / elapsed,
            "rejected_429": float(stats.get("rejected_429") or 0),
            "urgent_wait": float(urgent_done or 0),
        }


async def serve() -> None:
    """The fake Bot API with Telegram's flood limits, in this process, until SIGTERM."""
    async with FakeTelegram(token=TOKEN) as tg:
        tg.enforce_limits = True
        print(tg.url, flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        stats = {"rejected_429": tg.rejected_429, "delivered": sum(tg.delivered.values())}
        print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        asyncio.run(serve())
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
