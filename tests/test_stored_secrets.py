"""Nothing stored holds a secret (issue 9, item 11): an HTTP error quotes the Bot API URL,
bot token and all; the outbox keeps the error without it. One scrubber (`redact`) for logs
and stored text."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot

from bot.config import Settings
from bot.db import Database
from bot.logging_setup import RedactSecrets, redact
from bot.sender import Sender, SenderLimits
from bot.services import outbox
from bot.texts import make_core
from tests.conftest import ADMIN_CHAT, add_user
from tests.fakes.telegram import FakeTelegram

TOKEN = "987654321:AAH-very_secret-token"
USER = 1001
LIMITS = SenderLimits(backoff_base=30, idle_poll=0.05, start_delay=0)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    b = tg.make_bot()
    yield b
    await b.session.close()


def test_redact_masks_a_secret_whole_and_url_encoded() -> None:
    text = (
        f"url='http://x/bot{TOKEN}/sendMessage' "
        "quoted=http://x/bot987654321%3AAAH-very_secret-token/ "
        "lower=987654321%3aAAH-very_secret-token"
    )
    clean = redact(text, [TOKEN, "", "ab"])  # empty and too-short secrets mask nothing
    assert "very_secret" not in clean
    assert clean.count("***") == 3
    assert redact("nothing here", [TOKEN]) == "nothing here"


def test_the_log_filter_uses_the_same_scrubber() -> None:
    record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed: %s", (f"/bot{TOKEN}/",), None)
    RedactSecrets([TOKEN]).filter(record)
    assert record.getMessage() == "failed: /bot***/"


async def test_a_broken_http_answer_leaves_no_token_in_the_outbox(
    tmp_path: Path, db: Database, tg: FakeTelegram, bot: Bot
) -> None:
    await add_user(db, USER)
    await outbox.notify(db, USER, "start-greeting", {"name": "A"})
    tg.break_next("sendMessage")
    settings = Settings(
        bot_token=TOKEN,
        panel_api_url="http://127.0.0.1:9",
        panel_api_key="panel-key-123",
        admin_chat_id=ADMIN_CHAT,
        database_path=tmp_path / "x.sqlite3",
    )
    core = make_core("en")
    await core.startup()
    sender = Sender(bot, db, core, settings, LIMITS)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    deadline = time.monotonic() + 8
    try:
        while not await db.fetchval("SELECT error FROM outbox"):
            assert time.monotonic() < deadline, "the broken answer was not recorded"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert [c.description for c in tg.calls_of("sendMessage")] == ["broken HTTP"]
    row = await db.fetchone("SELECT status, error FROM outbox")
    assert row is not None and row["status"] == "queued"  # it is retried later
    error = str(row["error"])
    assert "network" in error and "sendMessage" in error  # still says what failed
    assert "bot***/sendMessage" in error
    assert TOKEN not in error and "very_secret" not in error
