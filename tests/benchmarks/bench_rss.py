"""Resident memory (VmRSS) of the bot against a bare aiogram echo bot, each in a fresh process
(`python -m tests.benchmarks.bench_rss echo|bot` prints the MB; `bot --stages` also prints,
on stderr, the RSS, its anonymous part, Python's allocated blocks and the gc object count
after each stage, and `bot --trace` the top tracemalloc growth between stages).

What is compared, so the difference is the bot's own cost:
- Both processes are fed the same 1,000 updates (built here) and answer them through the
  fake Bot API (tests/fakes/telegram.py) running in a child process, as Telegram runs
  elsewhere: what it records of each answer is its memory, not the measured bot's.
- The echo process imports only aiogram: an echo bot does not import the bot's modules,
  so their import cost is counted against the bot. The bot's process starts as
  `python -m bot` does (the texts first, bot/texts.py) and imports no fake.
- The fake panel runs in a separate process (as a real panel does): its 10,000 catalog
  entries, 10,000 orders and rendered answers are not counted against the bot. The bot syncs
  the 10,000-service catalog from it over HTTP (the real sync: the client parses the answer
  in a thread). Then 10,000 users and 100,000 orders (10,000 of them open) are written to
  its database by another process (`fill`), as earlier runs of a shop would have, and the
  bot runs a poll cycle over the open ones against the panel.
- No environment variable is set for either process (no MALLOC_ARENA_MAX here: what the
  Dockerfile sets is for production; the code must not depend on it).

Where the bot's extra memory goes, by stage (`bot --stages`): its texts and modules (the
echo imports aiogram alone), starting (dispatcher, five SQLite connections with their
threads), the catalog sync (what it freed stays in allocator arenas that objects made for
the first time during it keep), the poll cycle and the updates (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message, Update

ROOT = Path(__file__).resolve().parents[2]
UPDATES = 1000
SERVICES, USERS, ORDERS, OPEN = 10_000, 10_000, 100_000, 10_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _anon_mb() -> float:
    """The anonymous (heap) part of the RSS, from /proc/self/smaps_rollup."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Stages:
    """Prints what each stage of the bot's run left in memory (stderr), when asked to."""

    def __init__(self, enabled: bool, trace: bool) -> None:
        self.enabled = enabled or trace
        self.trace = trace
        self._snapshot: Any = None
        if trace:
            import tracemalloc

            tracemalloc.start(1)
            self._snapshot = tracemalloc.take_snapshot()

    def __call__(self, name: str) -> None:
        if not self.enabled:
            return
        gc.collect()
        print(
            f"{name:22s} rss {rss_mb():6.1f} MB  anon {_anon_mb():6.1f} MB"
            f"  blocks {sys.getallocatedblocks():8d}  gc objects {len(gc.get_objects()):8d}"
            f"  modules {len(sys.modules)}",
            file=sys.stderr,
        )
        if self.trace:
            import tracemalloc

            snapshot = tracemalloc.take_snapshot()
            for stat in snapshot.compare_to(self._snapshot, "lineno")[:8]:
                print(f"    {stat}", file=sys.stderr)
            self._snapshot = snapshot


def echo_dispatcher() -> Dispatcher:
    """The baseline: a bare aiogram bot that echoes a message and answers a press."""
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @router.callback_query()
    async def pressed(callback: CallbackQuery) -> None:
        await callback.answer()

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def _updates(bot: Bot, n: int, first_user: int) -> Iterator[Update]:
    """n text messages from 300 users, half `/start` and half a search, as Telegram sends
    them (built here: the fake Bot API that answers the bot runs in its own process)."""
    for i in range(n):
        text = "/start" if i % 2 else "instagram likes"
        user = {
            "id": first_user + i % 300,
            "is_bot": False,
            "first_name": "u",
            "language_code": "en",
        }
        message: dict[str, Any] = {
            "message_id": i + 1,
            "date": int(time.time()),
            "chat": {"id": user["id"], "type": "private", "first_name": "u"},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        yield Update.model_validate({"update_id": i + 1, "message": message}, context={"bot": bot})


class _Remote:
    """What BotHarness reads of a fake server (address, key or token) for one in another
    process; attributes it sets on a fake (strict_edits) land here and change nothing."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.__dict__.update(answer)


async def _serve(**answer: Any) -> None:
    """Print `answer` on one line (the parent reads it), then wait for SIGTERM."""
    print(json.dumps(answer), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


async def serve_telegram() -> None:
    """The fake Bot API, in this process until SIGTERM: what it records (every call, every
    message sent) is its memory, not the measured bot's."""
    from tests.fakes.telegram import FakeTelegram

    async with FakeTelegram() as tg:
        await _serve(url=tg.url, token=tg.token)


async def serve_panel() -> None:
    """The fake panel with the catalog and the open orders, in this process until SIGTERM."""
    from tests.benchmarks.bench_catalog import build_services
    from tests.fakes.panel import FakePanel

    async with FakePanel(services=build_services(random.Random(1), SERVICES)) as fake:
        ids = [fake.add_order("1", link="x", quantity="100").id for _ in range(OPEN)]
        await _serve(url=fake.url, key=fake.key, ids=ids)


@asynccontextmanager
async def _server(flag: str) -> AsyncIterator[dict[str, Any]]:
    """A fake server in a child process (`--serve-telegram` or `--serve-panel`): what it
    printed, while it runs."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.benchmarks.bench_rss", flag,
        stdout=asyncio.subprocess.PIPE, cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)},
        limit=1 << 24,  # the panel's line lists every open order's id
    )  # fmt: skip
    assert child.stdout is not None
    try:
        yield json.loads(await child.stdout.readline())
    finally:
        child.send_signal(signal.SIGTERM)
        await child.wait()


async def echo() -> float:
    async with _server("--serve-telegram") as tg:
        dp = echo_dispatcher()
        api = TelegramAPIServer.from_base(tg["url"])
        bot = Bot(tg["token"], session=AiohttpSession(api=api))
        for update in _updates(bot, UPDATES, 200_000):
            await dp.feed_update(bot, update)
        await bot.session.close()
        gc.collect()
        return rss_mb()


def fill(path: str, panel_ids: list[str]) -> None:
    """The users and orders a shop has gathered by the time it is measured, written to the
    bot's database by a process of their own (`--fill PATH`, the open orders' panel ids on
    stdin): a shop's 100,000 orders were written over months by earlier runs, so building
    them here is not the measured process's memory (the 100,000 rows' objects, made and
    freed in the bot's process, left ~5 MB of its allocator's arenas partly used)."""
    import sqlite3  # here: the echo process imports this module and must not load SQLite

    now = int(time.time())
    users = [(300_000 + i,) for i in range(USERS)]
    orders = (
        (
            300_000 + i % USERS,
            f"rss{i}",
            "in_progress" if i < OPEN else "completed",
            panel_ids[i] if i < OPEN else None,
            now,
            now,
        )
        for i in range(ORDERS)
    )
    with closing(sqlite3.connect(path, timeout=30)) as conn, conn:
        conn.executemany(
            "INSERT INTO users (id, first_name, tg_language, first_seen, last_seen)"
            " VALUES (?, 'u', 'en', 0, 0) ON CONFLICT (id) DO NOTHING",
            users,
        )
        conn.executemany(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, '1', ?, ?, ?, 100, 1000, ?, ?, 0)",
            orders,
        )


async def _fill(path: Path, panel_ids: list[str]) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.benchmarks.bench_rss", "--fill", str(path),
        stdin=asyncio.subprocess.PIPE, cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    await child.communicate(json.dumps(panel_ids).encode())
    if child.returncode != 0:
        raise RuntimeError(f"filling the database failed ({child.returncode})")


async def bot(stage: Stages) -> float:
    # as `python -m bot` starts: the texts first, then the rest of the bot (bot/texts.py)
    from bot.texts import load_texts

    texts = load_texts("en")

    from bot.memory import limit_malloc_arenas
    from bot.services import catalog
    from bot.services.orders.poller import Poller
    from tests.harness import BotHarness

    # as run() does before any other thread allocates (the fakes' child processes below are
    # watched by threads of asyncio's: started first, they would have arenas of their own)
    limit_malloc_arenas()

    stage("imported")
    async with _server("--serve-panel") as panel, _server("--serve-telegram") as tg:
        panel_ids: list[str] = panel.pop("ids")
        with tempfile.TemporaryDirectory() as tmp:
            fake_tg: Any = _Remote(tg)  # stands in for the fakes' own objects
            fake_panel: Any = _Remote(panel)
            harness = BotHarness(Path(tmp), fake_tg, fake_panel, sync_catalog=False, texts=texts)
            await harness.start()
            try:
                stage("started")
                await catalog.sync(harness.db, harness.panel)
                stage("catalog synced")
                await _fill(harness.settings.database_path, panel_ids)
                del panel_ids[:]
                stage("filled")
                poller = Poller(harness.db, harness.panel, notices=harness.notices)
                report = await poller.poll_once()
                assert report.polled == OPEN, report
                stage("polled")
                for update in _updates(harness.bot, UPDATES, 300_000):
                    await harness.dp.feed_update(harness.bot, update)
                assert not harness.errors, harness.errors[:3]
                stage("updates served")
                gc.collect()
                return rss_mb()
            finally:
                await harness.stop()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--fill"]:
        fill(args[1], json.loads(sys.stdin.read()))
    elif args[:1] == ["--serve-panel"]:
        asyncio.run(serve_panel())
    elif args[:1] == ["--serve-telegram"]:
        asyncio.run(serve_telegram())
    elif args[:1] == ["bot"]:
        stages = Stages("--stages" in args, "--trace" in args)
        print(f"{asyncio.run(bot(stages)):.1f}")
    else:
        print(f"{asyncio.run(echo()):.1f}")
