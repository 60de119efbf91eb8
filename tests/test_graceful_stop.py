"""SIGTERM while an order is being placed: the bot as a real process, the fake Bot API and
the fake panel in this one. The placement finishes and is recorded, the customer sees its
outcome, and the process exits 0 within STOP_TIMEOUT."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from bot.db import Database
from bot.keyboards.order_dialog import OrderStartCb
from bot.panel import PanelClient
from bot.services import catalog
from tests.cluster import until
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.helpers import add_user, bot_database, bot_env, start_bot

USER = 5151
LINK = "https://instagram.com/p/graceful"


async def _prepare(path: Path | str, panel: FakePanel) -> None:
    db = Database(path)
    await db.connect()
    client = PanelClient(panel.url, panel.key, retries=1)
    try:
        await add_user(db, USER, balance=50_000_000)
        await catalog.sync(db, client)
    finally:
        await client.close()
        await db.close()


async def _start_bot(
    tmp_path: Path, tg: FakeTelegram, panel: FakePanel, database: Path | str, **extra: str
) -> asyncio.subprocess.Process:
    env = bot_env(tmp_path, tg.url, panel.url, panel.key, database=database, **extra)
    env["BOT_TOKEN"] = tg.token
    return await start_bot(env, cwd=tmp_path)


def _texts(tg: FakeTelegram) -> list[str]:
    return [c.text or "" for c in tg.calls if c.chat_id == USER and c.text]


async def _order_until_confirm(tg: FakeTelegram) -> str:
    """Walk service 2's dialog (link, quantity) and return the Confirm button's data."""
    steps = [
        tg.make_update(callback_query=tg.make_callback(
            OrderStartCb(service_id="2").pack(), user_id=USER)),
        tg.make_update(message=tg.make_message(LINK, user_id=USER)),
        tg.make_update(message=tg.make_message("1000", user_id=USER)),
    ]  # fmt: skip
    for update in steps:
        before = len(_texts(tg))
        tg.push_update(update)
        await until(lambda b=before: len(_texts(tg)) > b, what="an answer")  # type: ignore[misc]
        await asyncio.sleep(0.2)
    markup = tg.last_markup(USER) or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if str(button.get("callback_data", "")).startswith("odc:"):
                return str(button["callback_data"])
    raise AssertionError(f"no Confirm button in {markup}; texts: {_texts(tg)[-3:]}")


async def test_sigterm_during_add_finishes_the_order(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, database_target: Path | str
) -> None:
    db_path = bot_database(tmp_path, database_target)
    (tmp_path / "data").mkdir(parents=True)
    await _prepare(db_path, fake_panel)
    proc = await _start_bot(tmp_path, fake_tg, fake_panel, db_path, STOP_TIMEOUT="15")
    try:
        await until(lambda: fake_tg.calls_of("getUpdates"), what="the bot polling")
        confirm = await _order_until_confirm(fake_tg)
        fake_panel.delay = 1.5  # `add` takes 1.5 s: the signal arrives while it is in flight
        fake_tg.push_update(fake_tg.make_update(callback_query=fake_tg.make_callback(
            confirm, user_id=USER)))  # fmt: skip
        await until(lambda: fake_panel.add_calls, what="the order sent")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
        took = time.monotonic() - started
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = err.decode()
    assert proc.returncode == 0, log[-2000:]
    assert took < 15, took
    assert len(fake_panel.add_calls) == 1
    db = Database(db_path)
    await db.connect()
    try:
        row = await db.fetchone("SELECT status, panel_order_id FROM orders")
    finally:
        await db.close()
    assert row is not None
    assert (row["status"], row["panel_order_id"]) == ("pending", "23501"), log[-2000:]
    last = _texts(fake_tg)[-1]
    assert "is placed" in last, _texts(fake_tg)[-3:]
    assert "waiting for 1 update(s) in flight" in log


async def test_second_signal_stops_at_once(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, database_target: Path | str
) -> None:
    db_path = bot_database(tmp_path, database_target)
    (tmp_path / "data").mkdir(parents=True)
    await _prepare(db_path, fake_panel)
    proc = await _start_bot(
        tmp_path, fake_tg, fake_panel, db_path, STOP_TIMEOUT="60", PANEL_READ_TIMEOUT="60"
    )
    try:
        await until(lambda: fake_tg.calls_of("getUpdates"), what="the bot polling")
        confirm = await _order_until_confirm(fake_tg)
        fake_panel.delay = 30.0
        fake_tg.push_update(fake_tg.make_update(callback_query=fake_tg.make_callback(
            confirm, user_id=USER)))  # fmt: skip
        await until(lambda: fake_panel.add_calls, what="the order sent")
        proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert proc.returncode is None  # still finishing the order
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 1
    assert "stopping at once (second SIGTERM)" in err.decode()
