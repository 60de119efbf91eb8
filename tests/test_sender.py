"""The outbox sender against the fake Bot API with Telegram's flood limits switched on."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import pytest
from aiogram import Bot
from aiogram_i18n.cores import FluentRuntimeCore

import bot.sender as sender_module
from bot.config import Settings
from bot.db import Database
from bot.sender import Sender, SenderLimits
from bot.services import outbox
from bot.services.outbox import Button
from bot.texts import make_core
from tests.fakes.telegram import FakeTelegram
from tests.helpers import ADMIN_CHAT, TEST_TOKEN, add_user

FAST = SenderLimits(backoff_base=0.05, max_attempts=3, idle_poll=0.05, start_delay=0)
RESTARTABLE = SenderLimits(backoff_base=0.05, max_attempts=3, idle_poll=0.05)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TEST_TOKEN) as server:
        server.enforce_limits = True
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    b = tg.make_bot()
    yield b
    await b.session.close()


@pytest.fixture
async def core() -> FluentRuntimeCore:
    c = make_core("en")
    await c.startup()
    return c


async def run_until(sender: Sender, done: Callable[[], object], timeout: float = 8.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if await done():  # type: ignore[misc]
                return
            await asyncio.sleep(0.05)
        raise AssertionError("condition not reached")
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def queued_none(db: Database) -> Callable[[], object]:
    async def check() -> bool:
        return not await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'queued'")

    return check


async def test_limits_never_exceeded(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    users = list(range(2001, 2011))
    for uid in users:
        await add_user(db, uid)
    async with db.transaction() as conn:
        for round_ in range(3):
            for uid in users:
                await outbox.enqueue(conn, uid, "start-greeting", {"name": f"u{round_}"})
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    assert tg.rejected_429 == 0
    assert sum(tg.delivered[u] for u in users) == 30
    for uid in users:
        times = [c.at for c in tg.calls_of("sendMessage") if c.chat_id == uid]
        assert len(times) == 3
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_per_second_cap_holds_even_when_the_pace_would_not(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    """However fast the pace (a late machine bunches sends the same way), no more than
    `per_second_cap` sends are in flight or answered within one second, so Telegram never
    counts one too many: here a limit of 4 a second and a pace of 1,000 a second."""
    tg.enforce_limits = True
    tg.limit_global_per_second = 4
    users = list(range(2101, 2111))
    for uid in users:
        await add_user(db, uid)
        await outbox.notify(db, uid, "help-text")
    limits = SenderLimits(global_per_second=1000, per_second_cap=4, idle_poll=0.05, start_delay=0)
    sender = Sender(bot, db, core, settings, limits)
    await run_until(sender, queued_none(db))
    assert tg.rejected_429 == 0
    assert sum(tg.delivered[u] for u in users) == 10


async def test_group_limit_holds_the_rest(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    tg.limit_group_per_minute = 3
    async with db.transaction() as conn:
        for _ in range(4):
            await outbox.enqueue(conn, ADMIN_CHAT, "help-text")
    sender = Sender(
        bot, db, core, settings, SenderLimits(group_per_minute=3, idle_poll=0.05, start_delay=0)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    await tg.wait_for("sendMessage", 3)
    await asyncio.sleep(0.5)  # the 4th would be due now if the group window were ignored
    stop.set()
    await task
    assert tg.delivered[ADMIN_CHAT] == 3
    assert tg.rejected_429 == 0
    rows = [
        tuple(r)
        for r in await db.fetchall("SELECT id, status, attempts, error, next_at FROM outbox")
    ]
    assert sum(1 for r in rows if r[1] == "queued") == 1, (
        rows,
        [(c.method, c.error_code) for c in tg.calls],
    )


async def test_retry_after_is_waited_out(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    await add_user(db, 2001)
    tg.fail_next("sendMessage", 429, retry_after=1)
    await outbox.notify(db, 2001, "help-text")
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    calls = tg.calls_of("sendMessage")
    assert [c.error_code for c in calls] == [429, None]
    assert calls[1].at - calls[0].at >= 1.0
    row = await db.fetchone("SELECT status, attempts FROM outbox")
    assert row is not None and row["status"] == "sent" and row["attempts"] == 1
    # a 429 on a private chat is the global limit: the pace drops
    assert sender.pace == pytest.approx(FAST.global_per_second * FAST.slow_down)


def test_pace_slows_once_per_flood_and_recovers_after_quiet() -> None:
    """The pacer's rules, followed with explicit times (no clock): each flood slows the pace
    once however many in-flight sends answer 429, never below the floor; slots wait out
    retry_after; a quiet spell raises the pace a step at a time back to the ceiling."""
    limits = SenderLimits(global_per_second=29.0, slowest_per_second=25.0, slow_down=0.9,
                          speed_up_after=30.0, speed_up_step=0.5)  # fmt: skip
    pacer = sender_module._Pacer(limits)
    assert pacer.reserve(100.0) == 0.0
    assert pacer.reserve(100.0) == pytest.approx(1 / 29.0)
    pacer.flooded(100.1, retry_after=2)
    pacer.flooded(100.2, retry_after=2)  # another answer of the same flood
    assert pacer.pace == pytest.approx(26.1)
    assert pacer.reserve(100.3) == pytest.approx(1.9)  # past the last retry_after
    pacer.flooded(103.0, retry_after=1)  # a new flood: slower, but not below the floor
    assert pacer.pace == 25.0
    pacer.reserve(110.0)
    assert pacer.pace == 25.0  # not quiet for long enough yet
    pacer.reserve(134.0)
    assert pacer.pace == 25.5
    pacer.reserve(150.0)
    assert pacer.pace == 25.5  # one step per quiet spell
    for t in range(164, 1000, 30):
        pacer.reserve(float(t))
    assert pacer.pace == 29.0  # never above the ceiling


async def test_forbidden_marks_user_blocked_and_skips_later_rows(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    await add_user(db, 2001)
    await add_user(db, 2002)
    tg.blocked_chats.add(2001)
    async with db.transaction() as conn:
        await outbox.enqueue(conn, 2001, "help-text")
        await outbox.enqueue(conn, 2001, "menu-home")
        await outbox.enqueue(conn, 2002, "help-text")
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    assert await db.fetchval("SELECT is_blocked FROM users WHERE id = 2001") == 1
    statuses = await db.fetchall("SELECT chat_id, status FROM outbox ORDER BY id")
    assert [tuple(r) for r in statuses] == [(2001, "blocked"), (2001, "blocked"), (2002, "sent")]
    assert len([c for c in tg.calls_of("sendMessage") if c.chat_id == 2001]) == 1
    # queued later: never attempted
    await outbox.notify(db, 2001, "help-text")
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    assert len([c for c in tg.calls_of("sendMessage") if c.chat_id == 2001]) == 1
    assert await db.fetchval("SELECT status FROM outbox ORDER BY id DESC LIMIT 1") == "blocked"


async def test_nothing_lost_or_doubled_across_restart(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    users = list(range(3001, 3061))
    for uid in users:
        await add_user(db, uid)
    async with db.transaction() as conn:
        for uid in users:
            await outbox.enqueue(conn, uid, "help-text")
    first = Sender(bot, db, core, settings, FAST)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    await asyncio.sleep(0.6)
    stop.set()
    await task
    midway = await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'sent'")
    assert 0 < midway < len(users)
    # a second process: also a hard cancel in the middle of its work
    second = Sender(bot, db, core, settings, RESTARTABLE)
    task = asyncio.create_task(second.run())
    await asyncio.sleep(1.4)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    third = Sender(bot, db, core, settings, RESTARTABLE)
    await run_until(third, queued_none(db))
    assert all(tg.delivered[u] == 1 for u in users), tg.delivered
    assert tg.rejected_429 == 0


async def test_rendering_language_buttons_and_copy(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    await add_user(db, 2001, language="ru")
    await add_user(db, 2002, tg_language="de")  # unsupported: default language
    async with db.transaction() as conn:
        await outbox.enqueue(
            conn, 2001, "menu-home", buttons=[[Button("menu-catalog", "m:catalog")]]
        )
        await outbox.enqueue(conn, 2002, "menu-home")
        await outbox.enqueue(conn, 2002, "menu-home", lang="ru")
        await outbox.enqueue_copies(conn, [ADMIN_CHAT], 2001, 1, batch="copy-test")
        await outbox.enqueue(conn, ADMIN_CHAT, "no-such-key")
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    assert tg.texts(2001) == [core.get("menu-home", "ru")]
    markup = tg.sent_messages(2001)[0].reply_markup
    assert markup == {
        "inline_keyboard": [
            [{"text": core.get("menu-catalog", "ru"), "callback_data": "m:catalog"}]
        ]
    }
    assert tg.texts(2002) == [core.get("menu-home", "en"), core.get("menu-home", "ru")]
    assert len(tg.calls_of("copyMessage")) == 1
    failed = await db.fetchone("SELECT status, error FROM outbox WHERE key = 'no-such-key'")
    assert failed is not None and failed["status"] == "failed" and "no-such-key" in failed["error"]


async def test_errors_back_off_then_fail(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    await add_user(db, 2001)
    await add_user(db, 2002)
    tg.fail_next("sendMessage", 400, "Bad Request: something odd", count=2)
    await outbox.notify(db, 2001, "help-text")
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    assert await db.fetchval("SELECT status FROM outbox WHERE chat_id = 2001") == "sent"
    tg.fail_next("sendMessage", 400, "Bad Request: chat not found", count=5)
    await outbox.notify(db, 2002, "help-text")
    await run_until(Sender(bot, db, core, settings, FAST), queued_none(db))
    row = await db.fetchone("SELECT status, error, attempts FROM outbox WHERE chat_id = 2002")
    assert row is not None
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "chat not found" in row["error"]


async def test_network_errors_are_retried(
    db: Database, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    await add_user(db, 2001)
    await outbox.notify(db, 2001, "help-text")
    port = tg.port
    await tg.stop()
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    dead = Bot(TEST_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    sender = Sender(dead, db, core, settings, FAST)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    await asyncio.sleep(0.3)
    stop.set()
    await task
    await dead.session.close()
    row = await db.fetchone("SELECT status, error FROM outbox")
    assert row is not None and row["status"] == "queued" and "network" in row["error"]
    assert port


async def test_old_finished_rows_are_pruned_queued_never(
    db: Database,
    bot: Bot,
    core: FluentRuntimeCore,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Retention goes by the rows' wall-clock age; the hourly cadence by the monotonic clock,
    which starts near 0 at boot: the first pass must run even on a machine up for a minute."""
    booted = {"monotonic": 60.0}  # seconds since boot, far less than PRUNE_EVERY
    clock = SimpleNamespace(monotonic=lambda: booted["monotonic"], time=time.time)
    monkeypatch.setattr(sender_module, "time", clock)
    old = int(time.time()) - 40 * 86400
    async with db.transaction() as conn:
        for status, created in (("sent", old), ("failed", old), ("queued", old), ("sent", 0)):
            await conn.execute(
                "INSERT INTO outbox (chat_id, key, status, created_at)"
                " VALUES (1, 'help-text', ?, ?)",
                (status, created or int(time.time())),
            )
    sender = Sender(bot, db, core, settings)
    assert await sender._prune() == 2
    rows = await db.fetchall("SELECT status, created_at FROM outbox ORDER BY id")
    assert [r["status"] for r in rows] == ["queued", "sent"]
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO outbox (chat_id, key, status, created_at)"
            " VALUES (1, 'help-text', 'sent', ?)",
            (old,),
        )
    booted["monotonic"] += sender_module.PRUNE_EVERY - 1
    assert await sender._prune() == 0  # at most once an hour
    booted["monotonic"] += 2
    assert await sender._prune() == 1


async def test_a_text_too_long_for_telegram_is_cut_not_refused(
    db: Database, bot: Bot, tg: FakeTelegram, core: FluentRuntimeCore, settings: Settings
) -> None:
    """Telegram counts UTF-16 units: 3,000 emoji are 6,000 of them. The row is delivered,
    cut to fit, instead of failing five times."""
    await add_user(db, 2001)
    async with db.transaction() as conn:
        await outbox.enqueue(conn, 2001, "orders-place-failed", {"reason": "🙂" * 3000})
    sender = Sender(bot, db, core, settings, FAST)
    await run_until(sender, queued_none(db))
    (text,) = tg.texts(2001)
    assert text.endswith("…") and len(text.encode("utf-16-le")) // 2 <= 4096
    assert await db.fetchval("SELECT status FROM outbox") == "sent"
