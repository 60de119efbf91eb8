"""/stats never waits for a hung panel: it shows the last balance read, marked stale, and
refreshes it in the background."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services import panel_balance
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness


@pytest.fixture
async def patient(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    """The bot with a panel client that waits a minute for an answer (as in production,
    where the old /stats waited up to 2 minutes)."""
    h = BotHarness(tmp_path, fake_tg, fake_panel, panel_read_timeout=60.0, database=database_target)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


def stats_text(h: BotHarness, calls: list) -> str:  # type: ignore[type-arg]
    texts = h.texts([c for c in calls if c.method == "sendMessage"])
    assert texts, calls
    return texts[-1]


async def test_hung_panel_shows_last_balance_marked_stale(patient: BotHarness) -> None:
    text = stats_text(patient, await patient.admin("/stats"))
    assert "Panel balance: 100.84292 USD\n" in text + "\n"
    known = await panel_balance.last(patient.db)
    assert known is not None and str(known.amount) == "100.84292"

    # ten minutes later the panel hangs for 30 s on every call
    async with patient.db.transaction() as conn:
        await conn.execute(
            "UPDATE kv SET value = replace(value, ?, ?) WHERE key = ?",
            (f'"at": {known.at}', f'"at": {known.at - 600}', panel_balance.BALANCE_KEY),
        )
    patient.fake_panel.delay = 30
    started = time.monotonic()
    calls = await asyncio.wait_for(patient.admin("/stats"), 10)
    elapsed = time.monotonic() - started
    text = stats_text(patient, calls)
    assert "Panel balance: 100.84292 USD (⚠️ stale: read 10 min ago;" in text
    assert elapsed < 5, elapsed  # it waited about WAIT_FOR_REFRESH, not for the panel
    calls = await patient.send(
        "/stats", 777, chat_id=patient.settings.admin_chat_id, chat_type="supergroup",
        language_code="ru",
    )  # fmt: skip
    assert "(⚠️ устарел: получен 10 мин назад;" in stats_text(patient, calls)


async def test_hung_panel_never_read_says_unavailable(patient: BotHarness) -> None:
    patient.fake_panel.delay = 30
    calls = await asyncio.wait_for(patient.admin("/stats"), 10)
    assert "Panel balance: unavailable" in stats_text(patient, calls)


async def test_background_refresh_gives_up_at_its_deadline(patient: BotHarness) -> None:
    patient.fake_panel.delay = 30
    started = time.monotonic()
    found = await panel_balance.refresh(patient.db, patient.panel, deadline=0.2)
    assert found is None and time.monotonic() - started < 5
    assert await panel_balance.last(patient.db) is None
