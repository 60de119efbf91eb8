"""`python -m bot` and `python -m bot check` as real processes against the fake servers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import TEST_TOKEN
from tests.fakes.panel import FakePanel, free_port_url
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path, tg_url: str, panel_url: str, key: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "PANEL_", "ADMIN_"))}
    env.update(
        BOT_TOKEN=TEST_TOKEN,
        BOT_API_URL=tg_url,
        PANEL_API_URL=panel_url,
        PANEL_API_KEY=key,
        ADMIN_CHAT_ID="-1001234567890",
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        PANEL_CONNECT_TIMEOUT="1",
        PANEL_READ_TIMEOUT="2",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


async def _run(env: dict[str, str], *args: str, cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_check_healthy(tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel) -> None:
    code, out, err = await _run(
        _env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key), "check", cwd=tmp_path
    )
    assert code == 0, err
    assert "@test_shop_bot" in out
    assert "100.84292 USD" in out
    assert fake_panel.key not in out + err


async def test_check_wrong_key(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    secret = "wrong-secret-key-123"
    code, out, err = await _run(
        _env(tmp_path, fake_tg.url, fake_panel.url, secret), "check", cwd=tmp_path
    )
    assert code == 1
    assert "PANEL_API_KEY" in err
    assert secret not in out + err


async def test_check_unreachable_panel(tmp_path: Path, fake_tg: FakeTelegram) -> None:
    code, out, err = await _run(
        _env(tmp_path, fake_tg.url, free_port_url(), "some-key"), "check", cwd=tmp_path
    )
    assert code == 1
    assert "PANEL_API_URL: cannot reach" in err
    assert "some-key" not in out + err


async def test_check_bad_token(tmp_path: Path, fake_panel: FakePanel) -> None:
    tg = FakeTelegram(token="999:OTHER-token")  # our TEST_TOKEN is not this bot's
    await tg.start()
    try:
        code, out, err = await _run(
            _env(tmp_path, tg.url, fake_panel.url, fake_panel.key), "check", cwd=tmp_path
        )
    finally:
        await tg.stop()
    assert code == 1
    assert "BOT_TOKEN: Telegram rejected the token" in err
    assert TEST_TOKEN not in out + err
    assert TEST_TOKEN.split(":")[1] not in out + err


async def test_invalid_settings_exit_2(tmp_path: Path) -> None:
    env = _env(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", "k")
    env["BOT_TOKEN"] = "garbage-SECRET"
    del env["ADMIN_CHAT_ID"]
    code, _out, err = await _run(env, "check", cwd=tmp_path)
    assert code == 2
    assert "BOT_TOKEN:" in err and "ADMIN_CHAT_ID: is required" in err
    assert "SECRET" not in err


async def _start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stop_bot(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0, err.decode()
    return err.decode()


async def test_polling_bot_speaks_both_languages_and_remembers(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    env = _env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key)
    proc = await _start_bot(env, tmp_path)
    try:
        fake_tg.push_update(
            fake_tg.make_update(
                message=fake_tg.make_message("/start", user_id=501, language_code="en")
            )
        )
        fake_tg.push_update(
            fake_tg.make_update(
                message=fake_tg.make_message("/start", user_id=502, language_code="ru")
            )
        )
        sent = await fake_tg.wait_for("sendMessage", count=2, timeout=20)
        by_chat = {c.chat_id: c.text for c in sent}
        assert by_chat[501].startswith("Hi,")
        assert by_chat[502].startswith("Здравствуйте,")

        fake_tg.push_update(
            fake_tg.make_update(callback_query=fake_tg.make_callback("lang:ru", user_id=501))
        )
        await fake_tg.wait_for("editMessageText", timeout=20, predicate=lambda c: c.chat_id == 501)
    finally:
        err = await _stop_bot(proc)
    assert TEST_TOKEN not in err and fake_panel.key not in err

    # a new process on the same database remembers the choice
    fake_tg.clear()
    proc = await _start_bot(env, tmp_path)
    try:
        fake_tg.push_update(
            fake_tg.make_update(
                message=fake_tg.make_message("/help", user_id=501, language_code="en")
            )
        )
        sent = await fake_tg.wait_for(
            "sendMessage", timeout=20, predicate=lambda c: c.chat_id == 501
        )
        assert sent[0].text.startswith("Здесь продаётся продвижение")
    finally:
        await _stop_bot(proc)


async def test_run_with_a_rejected_token_exits_with_one_clear_line(
    tmp_path: Path, fake_panel: FakePanel
) -> None:
    tg = FakeTelegram(token="999:OTHER-token")  # our TEST_TOKEN is not this bot's
    await tg.start()
    try:
        env = _env(tmp_path, tg.url, fake_panel.url, fake_panel.key)
        proc = await _start_bot(env, tmp_path)
        _, err_bytes = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        await tg.stop()
    err = err_bytes.decode()
    assert proc.returncode == 1
    assert "BOT_TOKEN: Telegram rejected the token" in err
    assert "Traceback" not in err
    assert TEST_TOKEN.split(":")[1] not in err
