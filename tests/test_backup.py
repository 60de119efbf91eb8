"""Backups (issue 15): `python -m bot backup PATH` of a database the bot is writing to is one
consistent snapshot and restores (`python -m bot restore PATH`) to a database with the same
balances; restore refuses a database in use and a file that is not a database; the daily
backup keeps BACKUP_KEEP copies; PostgreSQL gets pg_dump guidance."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from bot.backup import backup_loop, backup_name, prune
from bot.db import Database
from bot.health import heartbeat_file
from bot.services import wallet
from tests.helpers import ROOT, add_user, assert_ledger_consistent

USERS = range(2001, 2011)


def cli_env(database: Path, **extra: str) -> dict[str, str]:
    """Only what backup and restore read: no bot token, no panel."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "PANEL_", "DATA"))}
    env.update(DATABASE_PATH=str(database), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


async def cli(env: dict[str, str], *args: str, cwd: Path) -> tuple[int, str, str]:
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
    return int(proc.returncode or 0), out.decode(), err.decode()


async def balances(db: Database) -> dict[int, int]:
    rows = await db.fetchall("SELECT id, balance FROM users ORDER BY id")
    return {int(r[0]): int(r[1]) for r in rows}


async def opened(path: Path) -> Database:
    db = Database(path)
    await db.connect()
    return db


async def test_backup_while_writing_restores_to_the_same_balances(tmp_path: Path) -> None:
    source = tmp_path / "live" / "bot.sqlite3"
    db = await opened(source)
    for user in USERS:
        await add_user(db, user)
    stop = asyncio.Event()
    written = 0

    async def shop_writing() -> None:
        """Top-ups in transactions, as fast as they go, until told to stop."""
        nonlocal written
        while not stop.is_set():
            user = USERS[written % len(USERS)]
            await wallet.top_up(db, user, 1_000 + written, ref=f"test:{written}")
            written += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(shop_writing())
    try:
        while written < 50:
            await asyncio.sleep(0.01)
        code, out, err = await cli(cli_env(source), "backup", str(tmp_path / "during.sqlite3"),
                                   cwd=tmp_path)  # fmt: skip
        assert code == 0, err
        assert "written to" in out
        during = written
    finally:
        stop.set()
        await writer
    assert written > during  # the bot went on writing while the copy was made
    # the copy is one snapshot: every balance is the sum of its ledger, no ref half there
    snapshot = await opened(tmp_path / "during.sqlite3")
    try:
        await assert_ledger_consistent(snapshot)
        copied = int(await snapshot.fetchval("SELECT COUNT(*) FROM ledger"))
        assert 50 <= copied <= written
    finally:
        await snapshot.close()

    # writes stopped: a backup, restored elsewhere, has exactly the live balances
    (tmp_path / "backups").mkdir()  # a folder: a timestamped file in it
    code, _, err = await cli(cli_env(source), "backup", str(tmp_path / "backups"), cwd=tmp_path)
    assert code == 0, err
    [made] = list((tmp_path / "backups").iterdir())
    assert made.name.startswith("bot-") and made.suffix == ".sqlite3"
    target = tmp_path / "restored" / "bot.sqlite3"
    code, out, err = await cli(cli_env(target), "restore", str(made), cwd=tmp_path)
    assert code == 0, err
    restored = await opened(target)
    try:
        assert await balances(restored) == await balances(db)
        assert sum((await balances(restored)).values()) > 0
        await assert_ledger_consistent(restored)
    finally:
        await restored.close()
        await db.close()


async def test_restore_refuses_a_database_in_use(tmp_path: Path) -> None:
    live = tmp_path / "data" / "bot.sqlite3"
    db = await opened(live)
    await add_user(db, 2001, balance=5_000_000)
    await db.close()
    backup = tmp_path / "old.sqlite3"
    assert (await cli(cli_env(live), "backup", str(backup), cwd=tmp_path))[0] == 0
    db = await opened(live)
    await wallet.top_up(db, 2001, 1_000_000, ref="test:after-backup")
    await db.close()
    # a running bot keeps its heartbeat fresh
    heartbeat_file(live).write_text(str(int(time.time())))
    code, _, err = await cli(cli_env(live), "restore", str(backup), cwd=tmp_path)
    assert code == 1 and "refusing to restore: a bot is running" in err
    db = await opened(live)
    assert (await balances(db))[2001] == 6_000_000  # untouched
    await db.close()
    # stopped long ago: the restore goes ahead
    heartbeat_file(live).write_text(str(int(time.time()) - 3600))
    code, _, err = await cli(cli_env(live), "restore", str(backup), cwd=tmp_path)
    assert code == 0, err
    db = await opened(live)
    assert (await balances(db))[2001] == 5_000_000
    await db.close()


async def test_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    target = tmp_path / "data" / "bot.sqlite3"
    code, _, err = await cli(cli_env(target), "restore", str(junk), cwd=tmp_path)
    assert code == 1 and "is not a SQLite database" in err and "Traceback" not in err
    code, _, err = await cli(cli_env(target), "restore", str(tmp_path / "nope"), cwd=tmp_path)
    assert code == 1 and "does not exist" in err


async def test_postgresql_gets_pg_dump_guidance(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "x.sqlite3", DATABASE_URL="postgresql://shop@db/shop")
    code, _, err = await cli(env, "backup", str(tmp_path / "b"), cwd=tmp_path)
    assert code == 2 and "pg_dump" in err and "pg_restore" in err


async def test_daily_backup_writes_one_and_keeps_the_newest(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = time.time()
    for days in range(5, 0, -1):  # five old ones, a day apart, the newest a day old
        old = folder / backup_name(now - days * 86_400)
        old.write_bytes(b"")
        os.utime(old, (now - days * 86_400, now - days * 86_400))
    db = await opened(tmp_path / "bot.sqlite3")
    await add_user(db, 2001, balance=7_000_000)
    task = asyncio.create_task(backup_loop(db, folder, keep=3))
    try:
        for _ in range(500):
            if len(list(folder.glob("bot-*.sqlite3"))) == 3:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.close()
    kept = sorted(folder.glob("bot-*.sqlite3"))
    assert len(kept) == 3 and kept[-1].stat().st_size > 0  # today's, a real database
    copy = await opened(kept[-1])
    assert (await balances(copy))[2001] == 7_000_000
    await copy.close()
    assert not list(folder.glob("*.partial"))


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    names = [backup_name(1_700_000_000 + i * 86_400) for i in range(5)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a backup")
    removed = prune(tmp_path, 2)
    assert sorted(p.name for p in removed) == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[3:], "notes.txt"]
