"""`python -m bot` in webhook mode (WEBHOOK_URL set), one process on SQLite: it sets the
webhook (with the secret, never dropping pending updates), refuses posts without the secret,
handles an order dialog posted to it, and on SIGTERM finishes the order in flight, exits 0
and leaves the webhook in place (other replicas still take updates)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from bot.db import Database
from bot.keyboards.order_dialog import OrderStartCb
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.helpers import bot_env, start_bot
from tests.test_graceful_stop import LINK, USER, _prepare, _texts

SECRET = "webhook-secret-for-tests-42"
PATH = "/tg/updates"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_env(tmp_path: Path, tg: FakeTelegram, panel: FakePanel, port: int, **extra: str):
    env = bot_env(tmp_path, tg.url, panel.url, panel.key, **extra)
    env.update(
        BOT_TOKEN=tg.token,
        WEBHOOK_URL=f"https://bot.example.test{PATH}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    return env


async def post(
    session: aiohttp.ClientSession, port: int, update: dict[str, Any], secret: str | None = SECRET
) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    url = f"http://127.0.0.1:{port}{PATH}"
    async with session.post(url, json=update, headers=headers) as response:
        return response.status


async def until(check: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def listening(port: int, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on {port}") from None
            await asyncio.sleep(0.1)
        else:
            writer.close()
            return


async def test_webhook_mode_end_to_end(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    db_path.parent.mkdir(parents=True)
    await _prepare(db_path, fake_panel)
    port = free_port()
    proc = await start_bot(
        webhook_env(tmp_path, fake_tg, fake_panel, port, STOP_TIMEOUT="15"), cwd=tmp_path
    )
    try:
        await listening(port)
        [hook] = fake_tg.calls_of("setWebhook")
        assert hook.params["url"] == f"https://bot.example.test{PATH}"
        assert hook.params["secret_token"] == SECRET
        assert hook.params.get("drop_pending_updates") in (None, False, "false")
        assert not fake_tg.calls_of("getUpdates")  # no long polling

        async with aiohttp.ClientSession() as session:
            start = fake_tg.make_update(message=fake_tg.make_message("/start", user_id=USER))
            assert await post(session, port, start, secret=None) == 401
            assert await post(session, port, start, secret="wrong" + SECRET) == 401
            await asyncio.sleep(0.3)
            assert not _texts(fake_tg)  # refused posts were not handled

            steps = [
                fake_tg.make_update(callback_query=fake_tg.make_callback(
                    OrderStartCb(service_id="2").pack(), user_id=USER)),
                fake_tg.make_update(message=fake_tg.make_message(LINK, user_id=USER)),
                fake_tg.make_update(message=fake_tg.make_message("1000", user_id=USER)),
            ]  # fmt: skip
            for update in steps:
                before = len(_texts(fake_tg))
                assert await post(session, port, update) == 200
                await until(lambda b=before: len(_texts(fake_tg)) > b)  # type: ignore[misc]
            confirm = next(
                str(button["callback_data"])
                for row in (fake_tg.last_markup(USER) or {}).get("inline_keyboard", [])
                for button in row
                if str(button.get("callback_data", "")).startswith("odc:")
            )
            fake_panel.delay = 1.5  # `add` in flight when the signal comes
            press = fake_tg.make_update(callback_query=fake_tg.make_callback(confirm, user_id=USER))
            assert await post(session, port, press) == 200
            await until(lambda: fake_panel.add_calls)
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = err.decode()
    assert proc.returncode == 0, log[-2000:]
    assert len(fake_panel.add_calls) == 1
    assert "is placed" in _texts(fake_tg)[-1], _texts(fake_tg)[-3:]
    assert not fake_tg.calls_of("deleteWebhook")  # the other replicas still take updates
    assert SECRET not in log
    assert "waiting for 1 update(s) in flight" in log
    db = Database(db_path)
    await db.connect()
    try:
        assert await db.fetchval("SELECT status FROM orders") == "pending"
    finally:
        await db.close()
