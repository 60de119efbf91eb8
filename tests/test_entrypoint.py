"""`python -m bot`, `check`, `chats` and `health` as real processes against the fake servers."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import chats, check
from bot.config import Settings, load_settings, load_telegram_settings
from bot.db import Database
from bot.db.database import latest_version
from bot.health import HEARTBEAT_EVERY
from tests.conftest import ADMIN_CHAT, TEST_TOKEN
from tests.fakes.panel import FakePanel, free_port_url
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path, tg_url: str, panel_url: str, key: str, **extra: str) -> dict[str, str]:
    env = _clean_env()
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


def _clean_env() -> dict[str, str]:
    """This process's environment without any of the bot's settings."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "PANEL_", "ADMIN_", "DATABASE_"))
    } | {"PYTHONPATH": str(ROOT)}


async def _run(
    env: dict[str, str], *args: str, cwd: Path, python_flags: tuple[str, ...] = ()
) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *python_flags,
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
    assert "PANEL_API_KEY: the panel at" in err
    assert "check PANEL_API_URL" in err  # a wrong address rejects every key too
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


# ---------------------------------------------------------------- the README's set-up, literally


def _env_file_from_example(values: dict[str, str]) -> str:
    """`.env.example` with `values` filled in, the way the README says to write `.env`."""
    lines = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={values[name]}" if name in values else line)
    return "\n".join(lines) + "\n"


async def test_readme_setup_env_from_example_check_run_start_health(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    """`.env` from `.env.example` with the four values filled (and BOT_API_URL pointing at
    this test's Telegram), nothing in the environment: `check`, run, /start, HEALTHCHECK."""
    (tmp_path / ".env").write_text(
        _env_file_from_example(
            {
                "BOT_TOKEN": fake_tg.token,
                "PANEL_API_URL": fake_panel.url,
                "PANEL_API_KEY": fake_panel.key,
                "ADMIN_CHAT_ID": str(ADMIN_CHAT),
                "BOT_API_URL": fake_tg.url,
            }
        )
    )
    env = _clean_env()
    code, out, err = await _run(env, "check", cwd=tmp_path)
    assert code == 0, err
    assert "Operators' group: OK" in out
    assert "data/bot.sqlite3 does not exist yet; it will be created at start" in out
    assert not (tmp_path / "data").exists()

    proc = await _start_bot(env, tmp_path)
    try:
        fake_tg.push_update(fake_tg.make_update(message=fake_tg.make_message("/start", user_id=7)))
        [reply] = await fake_tg.wait_for(
            "sendMessage", timeout=30, predicate=lambda c: c.chat_id == 7
        )
        assert (reply.text or "").startswith("Hi,")
        # the HEALTHCHECK finds the heartbeat where the bot writes it (default DATABASE_PATH)
        code, out, err = await _run(env, "health", cwd=tmp_path)
        assert code == 0, err
        assert "healthy" in out
    finally:
        await _stop_bot(proc)
    assert (tmp_path / "data" / "bot.sqlite3").is_file()


# ---------------------------------------------------------------- health


def _heartbeat(folder: Path, age: float = 0.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heartbeat").write_text(str(int(time.time() - age)))


HEAVY = ("aiogram", "pydantic", "pydantic_settings", "aiohttp", "aiosqlite", "asyncio", "dotenv")


async def test_health_imports_nothing_heavy_and_reads_env_file(tmp_path: Path) -> None:
    """The HEALTHCHECK runs every minute: no aiogram or pydantic (seconds of CPU), and the
    DATABASE_PATH it honours may come from `.env` only, quoted or not, as for the bot."""
    (tmp_path / ".env").write_text('BOT_TOKEN=1:x\nDATABASE_PATH="state/bot.sqlite3"\n')
    _heartbeat(tmp_path / "state")
    env = _clean_env()
    code, out, err = await _run(env, "health", cwd=tmp_path, python_flags=("-X", "importtime"))
    assert code == 0, err
    assert out.startswith("healthy")
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if "import time:" in line
    }
    assert "bot.health" in imported  # the list is real
    assert not {name for name in imported if name.split(".")[0] in HEAVY}

    _heartbeat(tmp_path / "state", age=HEARTBEAT_EVERY * 5)
    code, _, err = await _run(env, "health", cwd=tmp_path)
    assert code == 1
    assert "heartbeat is" in err and "s old" in err

    # the environment wins over `.env`, as for the bot
    env["DATABASE_PATH"] = str(tmp_path / "other" / "bot.sqlite3")
    code, _, err = await _run(env, "health", cwd=tmp_path)
    assert code == 1
    assert f"no heartbeat at {tmp_path / 'other' / 'heartbeat'}" in err


# ---------------------------------------------------------------- check changes nothing


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


async def test_check_reads_the_database_without_changing_a_byte(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    env = _env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key)
    path = Path(env["DATABASE_PATH"])
    db = Database(path)
    await db.connect()
    await db.close()
    latest = latest_version()
    with sqlite3.connect(path) as conn:  # as if made by the previous version of the bot
        conn.execute(f"PRAGMA user_version = {latest - 1}")
    conn.close()
    before = _files(path.parent)
    assert list(before) == ["bot.sqlite3"]

    code, out, err = await _run(env, "check", cwd=tmp_path)
    assert code == 0, err
    assert f"at schema version {latest - 1}; 1 migration(s) will be applied at start" in out
    assert _files(path.parent) == before


async def test_check_on_a_current_database_says_up_to_date(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(tmp_path, fake_tg, fake_panel)
    db = Database(settings.database_path)
    await db.connect()  # the bot runs meanwhile: check reads through its -wal file
    try:
        before = settings.database_path.read_bytes()
        assert await check(settings) == 0
        assert settings.database_path.read_bytes() == before
    finally:
        await db.close()
    out = capsys.readouterr().out
    assert f"at schema version {latest_version()} (up to date)" in out


# ---------------------------------------------------------------- a database path it cannot use


async def test_unusable_database_folder_is_one_line_in_check_and_at_start(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    (tmp_path / "afile").write_text("not a folder")
    env = _env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key)
    env["DATABASE_PATH"] = str(tmp_path / "afile" / "data" / "bot.sqlite3")
    expected = (
        f"DATABASE_PATH: cannot create {tmp_path / 'afile' / 'data'}"
        f" ({tmp_path / 'afile'} is not a folder)"
    )
    for args in (("check",), ()):
        code, _out, err = await _run(env, *args, cwd=tmp_path)
        assert code == 1, (args, err)
        [line] = [line for line in err.splitlines() if "DATABASE_PATH" in line]
        assert expected in line
        assert "Traceback" not in err and "Event loop is closed" not in err


@pytest.mark.parametrize("case", ["folder", "not-sqlite", "read-only-fs"])
async def test_database_the_bot_cannot_open_stops_it_with_one_line(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, case: str
) -> None:
    env = _env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key)
    path = tmp_path / "bot.sqlite3"
    if case == "folder":
        path.mkdir()
        expected = f"DATABASE_PATH: {path} is not a file"
    elif case == "not-sqlite":
        path.write_bytes(b"this is no database " * 100)
        expected = f"DATABASE_PATH: cannot open {path} (file is not a database)"
    else:  # sysfs refuses new folders, even to root
        path = Path("/sys/smm-bot-test/bot.sqlite3")
        expected = "DATABASE_PATH: cannot create /sys/smm-bot-test ("
    env["DATABASE_PATH"] = str(path)
    proc = await _start_bot(env, tmp_path)
    _, err_bytes = await asyncio.wait_for(proc.communicate(), timeout=60)
    err = err_bytes.decode()
    assert proc.returncode == 1, err
    assert expected in err
    assert "the bot cannot start" in err
    assert "Traceback" not in err and "Event loop is closed" not in err


async def test_failed_sqlite_open_leaves_no_event_loop_is_closed_traceback(
    tmp_path: Path,
) -> None:
    """aiosqlite reports its stopped thread to the loop after a failed open; the loop must
    still be there (asyncio.run exiting with the error closes it)."""
    code = (
        "import asyncio, sqlite3, sys\n"
        "from bot.db.database import _open\n"
        "try:\n"
        f"    asyncio.run(_open({str(tmp_path)!r}))\n"  # a folder: SQLite cannot open it
        "except sqlite3.OperationalError:\n"
        "    sys.exit(3)\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env=_clean_env(),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 3
    assert b"Event loop is closed" not in err


# ---------------------------------------------------------------- the operators' group


def _settings(tmp_path: Path, tg: FakeTelegram, panel: FakePanel, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": tg.token,
        "bot_api_url": tg.url,
        "panel_api_url": panel.url,
        "panel_api_key": panel.key,
        "admin_chat_id": ADMIN_CHAT,
        "database_path": tmp_path / "data" / "bot.sqlite3",
        "panel_connect_timeout": 1,
        "panel_read_timeout": 2,
    }
    return load_settings(**(values | extra))


GROUP = f'"Test supergroup {ADMIN_CHAT}" ({ADMIN_CHAT})'
GROUP_CASES: dict[str, tuple[Callable[[FakeTelegram], None], int, str]] = {
    "member": (lambda tg: None, 0, f"Operators' group: OK, {GROUP}: the bot is a member and can"),
    "administrator": (
        lambda tg: tg.set_admins(ADMIN_CHAT, [tg.bot_user["id"]]),
        0,
        f"Operators' group: OK, {GROUP}: the bot is an administrator and can post there",
    ),
    "unknown": (
        lambda tg: tg.unknown_chats.add(ADMIN_CHAT),
        1,
        f"ADMIN_CHAT_ID: Telegram does not know group {ADMIN_CHAT} to this bot (Bad Request: "
        "chat not found); check the id and add @test_shop_bot to the operators' group",
    ),
    "kicked": (
        lambda tg: tg.set_bot_member(ADMIN_CHAT, "kicked"),
        1,
        f"ADMIN_CHAT_ID: the bot is not in group {ADMIN_CHAT} (Forbidden: bot was kicked",
    ),
    "restricted": (
        lambda tg: tg.set_bot_member(ADMIN_CHAT, "restricted", can_send_messages=False),
        1,
        f"ADMIN_CHAT_ID: the bot is a restricted member of {GROUP} but may not post there",
    ),
    "members-muted": (
        lambda tg: tg.chat_permissions.update({ADMIN_CHAT: {"can_send_messages": False}}),
        1,
        f"ADMIN_CHAT_ID: the bot is a member of {GROUP} but may not post there: make it an",
    ),
    "migrated": (
        lambda tg: tg.migrated_chats.update({ADMIN_CHAT: -100999}),
        1,
        "ADMIN_CHAT_ID: the group became a supergroup and its id changed: "
        "set ADMIN_CHAT_ID=-100999",
    ),
    "channel": (
        lambda tg: tg.chats.update(
            {ADMIN_CHAT: {"id": ADMIN_CHAT, "type": "channel", "title": "N"}}
        ),
        1,
        f'ADMIN_CHAT_ID: "N" ({ADMIN_CHAT}) is a channel, not a group',
    ),
}


@pytest.mark.parametrize("case", list(GROUP_CASES))
async def test_check_looks_at_the_operators_group(
    tmp_path: Path,
    fake_tg: FakeTelegram,
    fake_panel: FakePanel,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    setup, expected_code, expected = GROUP_CASES[case]
    setup(fake_tg)
    assert await check(_settings(tmp_path, fake_tg, fake_panel)) == expected_code
    captured = capsys.readouterr()
    assert expected in (captured.out if expected_code == 0 else captured.err)
    assert fake_tg.calls_of("getChat")  # it asked Telegram, not guessed


# ---------------------------------------------------------------- chats: finding ADMIN_CHAT_ID


def _bot_added_to(tg: FakeTelegram, chat: dict[str, Any]) -> dict[str, Any]:
    admin = {"id": 77, "is_bot": False, "first_name": "Owner"}
    return tg.make_update(
        my_chat_member={
            "chat": chat,
            "from": admin,
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": tg.bot_user},
            "new_chat_member": {"status": "member", "user": tg.bot_user},
        }
    )


async def test_chats_lists_the_groups_with_only_the_token_set(
    tmp_path: Path, fake_tg: FakeTelegram
) -> None:
    fake_tg.push_update(_bot_added_to(fake_tg, {"id": -4242, "type": "group", "title": "Ops"}))
    fake_tg.push_update(
        fake_tg.make_update(
            message=fake_tg.make_message("/start@test_shop_bot", chat_type="supergroup")
        )
    )
    fake_tg.push_update(fake_tg.make_update(message=fake_tg.make_message("hi", user_id=5)))
    env = _clean_env() | {"BOT_TOKEN": TEST_TOKEN, "BOT_API_URL": fake_tg.url}
    code, out, err = await _run(env, "chats", cwd=tmp_path)
    assert code == 0, err
    assert '  -4242  group "Ops"' in out
    assert f"  {ADMIN_CHAT}  supergroup" in out
    assert "  5  " not in out  # a private chat is not a group
    assert fake_tg.pending_updates == 3  # read, not consumed: the bot still gets them


async def test_chats_says_what_to_do_when_there_is_no_group(
    monkeypatch: pytest.MonkeyPatch, fake_tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("BOT_API_URL", fake_tg.url)
    assert await chats(load_telegram_settings()) == 1
    assert "send /start@test_shop_bot there" in capsys.readouterr().out
    fake_tg.fail_next("getUpdates", 409)
    assert await chats(load_telegram_settings()) == 1
    assert "is the bot running?" in capsys.readouterr().err


async def test_admin_chat_id_of_a_person_is_refused(tmp_path: Path) -> None:
    env = _env(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", "k", ADMIN_CHAT_ID="12345")
    code, _out, err = await _run(env, "check", cwd=tmp_path)
    assert code == 2
    assert "ADMIN_CHAT_ID: must be the operators' group id, a negative number" in err


# ---------------------------------------------------------------- PostgreSQL: DATABASE_URL


def _postgres(target: Path | str) -> str:
    if not isinstance(target, str):
        pytest.skip("DATABASE_URL=postgresql://... (the SQLite side is tested above)")
    return target


async def test_check_on_postgres_reads_without_migrating(
    tmp_path: Path,
    fake_tg: FakeTelegram,
    fake_panel: FakePanel,
    database_target: Path | str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`check` on a PostgreSQL schema: says what it would migrate, applies nothing, creates
    no SQLite file; once migrated, up to date."""
    url = _postgres(database_target)
    settings = _settings(tmp_path, fake_tg, fake_panel, database_url=url)
    assert await check(settings) == 0
    out = capsys.readouterr().out
    latest = latest_version("migrations_pg")
    assert f"at schema version 0; {latest} migration(s) will be applied at start" in out
    assert not (tmp_path / "data").exists()
    db = Database(url)
    await db.connect()
    try:
        assert await check(settings) == 0
    finally:
        await db.close()
    assert f"at schema version {latest} (up to date)" in capsys.readouterr().out


async def test_a_postgres_password_is_never_printed(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreachable server: one line naming the URL with its password masked, in `check`
    and at start."""
    url = f"postgresql://shop:s3cret-pw@{free_port_url('').split('//')[1]}/shop"
    settings = _settings(tmp_path, fake_tg, fake_panel, database_url=url)
    assert await check(settings) == 1
    captured = capsys.readouterr()
    assert "DATABASE_URL: cannot connect to postgresql://shop:***@127.0.0.1" in captured.err
    assert "s3cret-pw" not in captured.out + captured.err
    env = _env(tmp_path, fake_tg.url, fake_panel.url, fake_panel.key, DATABASE_URL=url)
    code, out, err = await _run(env, "run", cwd=tmp_path)
    assert code == 1
    assert "DATABASE_URL: cannot connect to postgresql://shop:***@" in err
    assert "s3cret-pw" not in out + err
