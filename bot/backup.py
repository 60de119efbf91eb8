"""Backups of the SQLite database: `python -m bot backup PATH`, `python -m bot restore PATH`
and the daily copy into BACKUP_DIR (a supervised task of the app).

A copy is made with SQLite's online backup API on its own connection, in a thread: it reads
one consistent snapshot (WAL lets the bot keep writing meanwhile) and never a half-written
transaction, which a file copy of a live database can. It is written beside its final name
and renamed, so a crash mid-copy leaves no file that looks like a backup.

PostgreSQL (a `postgresql://` DATABASE_URL) is backed up with its own tools: `pg_dump`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from bot.health import STALE_AFTER, heartbeat_file

log = logging.getLogger(__name__)

DAY = 24 * 3600
PREFIX = "bot-"
SUFFIX = ".sqlite3"
PG_GUIDANCE = (
    "DATABASE_URL is a PostgreSQL database: back it up with pg_dump, e.g.\n"
    '  pg_dump --format=custom --file=bot.dump "$DATABASE_URL"\n'
    "and restore it into an empty database with\n"
    '  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" bot.dump'
)


class BackupError(Exception):
    """The backup or restore could not be done; the message says why in one line."""


def _read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of `source` at `target` (a folder: a timestamped file in it)."""
    if target.is_dir():
        target = target / backup_name(time.time())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = _read_only(source)
    try:
        dest = sqlite3.connect(partial)
        try:
            src.backup(dest)  # all pages in one step: one snapshot
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dest.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {source} to {target} ({exc})") from None
    finally:
        src.close()
    partial.replace(target)
    return target


def backup_name(now: float) -> str:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{PREFIX}{stamp}{SUFFIX}"


def in_use(database: Path) -> str | None:
    """Why the database looks in use by a running bot (its heartbeat is fresh); None if not."""
    beat = heartbeat_file(database)
    try:
        age = time.time() - int(beat.read_text().strip())
    except (OSError, ValueError):
        return None
    if age <= STALE_AFTER:
        return (
            f"a bot is running on {database} (its heartbeat {beat} is {age:.0f} s old): "
            "stop it first (a bot stopped just now: delete that file)"
        )
    return None


def restore_database(backup: Path, database: Path) -> None:
    """Replace the contents of `database` with `backup`, after checking the backup is a
    sound SQLite database, through SQLite (its -wal file is taken care of)."""
    problem = in_use(database)
    if problem is not None:
        raise BackupError(f"refusing to restore: {problem}")
    src = _read_only(backup)
    try:
        try:
            ok = src.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{backup} is not a SQLite database ({exc})") from None
        if not ok or ok[0] != "ok":
            raise BackupError(f"{backup} is damaged (integrity check: {ok})")
        database.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(database)
        try:
            src.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore {backup} to {database} ({exc})") from None
    finally:
        src.close()


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder` (by their timestamped names)."""
    found = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    old = found[: max(0, len(found) - keep)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def newest_age(folder: Path, now: float) -> float | None:
    """Seconds since the newest backup in `folder` was written; None when there is none."""
    found = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    if not found:
        return None
    return max(0.0, now - found[-1].stat().st_mtime)


async def backup_loop(db: object, folder: Path, keep: int, every: float = DAY) -> None:
    """A copy every `every` seconds (the first at once when the newest is older), the
    newest `keep` kept. Only SQLite: PostgreSQL has its own tools."""
    path = getattr(db, "path", None)
    if not isinstance(path, Path):
        log.warning("BACKUP_DIR: automatic backups are for SQLite only; use pg_dump")
        return
    while True:
        age = await asyncio.to_thread(_age_or_none, folder)
        if age is None or age >= every:
            try:
                made = await asyncio.to_thread(copy_database, path, folder)
                removed = await asyncio.to_thread(prune, folder, keep)
                log.info("backup written: %s (%d old removed)", made, len(removed))
            except (BackupError, OSError) as exc:
                log.error("daily backup failed: %s", exc)
                age = every - 3600.0  # try again in an hour
            else:
                age = 0.0
        await asyncio.sleep(max(60.0, every - age))


def _age_or_none(folder: Path) -> float | None:
    folder.mkdir(parents=True, exist_ok=True)
    return newest_age(folder, time.time())
