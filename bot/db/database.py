"""SQLite access: one writer connection serialized by a lock, a few reader connections.

WAL lets the reader see committed data while a write transaction is open. Every write goes
through `transaction()`, which holds the lock from `BEGIN IMMEDIATE` to `COMMIT`, so two
coroutines can never interleave statements inside one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from bot.db.base import (
    Database,
    DatabaseUnavailable,
    FetchOne,
    IntegrityError,
    Params,
    Queryable,
    Row,
    Tx,
    sqlite_path,
)

log = logging.getLogger(__name__)

MIGRATION_RE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000


def migrations(folder: str = "migrations") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration in bot/db/<folder>, in order; SQLite's
    are in migrations/, PostgreSQL's (same numbers and names) in migrations_pg/."""
    found = []
    for entry in resources.files("bot.db").joinpath(folder).iterdir():
        match = MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"duplicate migration numbers: {numbers}")
    return found


def access_problem(path: Path) -> str | None:
    """Why the bot could not create or write `path` and the files beside it (SQLite's -wal
    and -shm, the heartbeat), found without creating anything; None if it can."""
    folder = path.parent
    if path.exists():
        if not path.is_file():
            return f"{path} is not a file"
        if not os.access(path, os.R_OK | os.W_OK):
            return f"cannot write {path} (no write permission)"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot write in {folder} (no write permission; SQLite needs it too)"
        return None
    nearest = folder
    while not nearest.exists() and nearest != nearest.parent:
        nearest = nearest.parent
    if not nearest.is_dir():
        return f"cannot create {folder} ({nearest} is not a folder)"
    if not os.access(nearest, os.W_OK | os.X_OK):
        missing = path if nearest == folder else folder
        return f"cannot create {missing} (no write permission in {nearest})"
    return None


def _migrations() -> list[tuple[int, str, str]]:
    return migrations("migrations")


def latest_version(folder: str = "migrations") -> int:
    """The schema version the newest migration brings the database to."""
    return max((number for number, _, _ in migrations(folder)), default=0)


@dataclass(frozen=True)
class DatabaseState:
    exists: bool
    version: int  # PRAGMA user_version; 0 if the file does not exist yet
    latest: int  # what this code migrates to
    problem: str | None  # why the bot could not use it (None: it can)


def inspect(path: Path) -> DatabaseState:
    """What the database at `path` is, read without changing a byte or creating a file."""
    latest = latest_version()
    problem = access_problem(path)
    if not path.is_file():
        return DatabaseState(False, 0, latest, problem)
    # A running bot keeps a -wal file: read through it. Otherwise `immutable` keeps SQLite
    # from creating -wal / -shm files beside the database just to read its header.
    mode = "ro" if Path(f"{path}-wal").exists() else "ro&immutable=1"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode={mode}", uri=True)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return DatabaseState(True, 0, latest, problem or f"cannot read {path} ({exc})")
    return DatabaseState(True, version, latest, problem)


def _prepare(path: Path) -> None:
    """Create the folder and make sure the file can be written, or say why not."""
    problem = access_problem(path)
    if problem is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"cannot create {path.parent} ({exc.strerror or exc})"
    if problem is not None:
        raise DatabaseUnavailable(problem)


async def _open(path: Path | str, *, cache_kib: int | None = None) -> aiosqlite.Connection:
    pending = aiosqlite.connect(path, isolation_level=None)
    try:
        conn = await pending
    except BaseException:
        # aiosqlite stops its thread after a failed open and reports that to this loop:
        # wait for it, or it reports to a closed loop ("Event loop is closed").
        thread = getattr(pending, "_thread", None)
        if thread is not None and thread.is_alive():
            await asyncio.to_thread(thread.join, 5)
        raise
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        if cache_kib is not None:
            await conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    except BaseException:
        await conn.close()  # its thread would keep the process alive
        raise
    return conn


READERS = 4  # reads run side by side on this many connections (WAL: they never block writes)
# Each connection keeps its own page cache (SQLite's default: 2 MiB, filled by the first
# big read and kept). The writer keeps the default (a catalog sync rewrites thousands of
# rows); a reader gets half, so the four hold 4 MiB between them instead of 8. A page a
# reader misses is still in the OS's cache, one read() away: the catalog pages and searches
# of tests/benchmarks/bench_catalog.py (10k and 50k services) are as fast with 1 MiB (at
# 512 KiB the service pages were ~40% slower).
READER_CACHE_KIB = 1024


class _SqliteTx(FetchOne):
    """A write transaction on the writer connection (see `Database.transaction`)."""

    __slots__ = ("_conn", "_observe")
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, observe: Callable[[str], None]) -> None:
        self._conn = conn
        self._observe = observe

    async def execute(self, sql: str, params: Params = ()) -> int:
        self._observe(sql)
        try:
            cursor = await self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        rowcount = cursor.rowcount
        await cursor.close()
        return rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._observe(sql)
        try:
            await self._conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # A statement with RETURNING writes too: a refused write is an IntegrityError here
        self._observe(sql)
        try:
            return list(await self._conn.execute_fetchall(sql, params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc


class SqliteDatabase(Database):
    """SQLite: one writer connection serialised by a lock, a few reader connections."""

    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        self.path = sqlite_path(path)
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._inline: sqlite3.Connection | None = None
        self._quick = _QuickReader(self)

    @property
    def quick(self) -> Queryable:
        return self._quick

    async def connect(self) -> None:
        """Open (creating the file and its folder if missing) and migrate. Raises
        DatabaseUnavailable with one line saying why when the file cannot be used."""
        await asyncio.to_thread(_prepare, self.path)
        try:
            try:
                self._writer = await _open(self.path)
                await self._writer.execute("PRAGMA journal_mode = WAL")
            except sqlite3.Error as exc:
                raise DatabaseUnavailable(f"cannot open {self.path} ({exc})") from None
            await self.migrate()
            self._idle = asyncio.Queue()
            for _ in range(READERS):
                reader = await _open(self.path, cache_kib=READER_CACHE_KIB)
                self._readers.append(reader)
                self._idle.put_nowait(reader)
            self._inline = _open_inline(self.path)
        except BaseException:
            await self.close()  # an open connection's thread would keep the process alive
            raise

    async def close(self) -> None:
        inline, self._inline = self._inline, None
        if inline is not None:
            inline.close()
        readers, self._readers = self._readers, []
        for conn in [*readers, self._writer]:
            if conn is not None:
                await conn.close()
        self._writer = None

    @property
    def connected(self) -> bool:
        return self._writer is not None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not connected")
        return self._writer

    async def migrate(self) -> int:
        """Apply every migration newer than `PRAGMA user_version`; returns the version."""
        conn = self.writer
        async with self._lock:
            row = await (await conn.execute("PRAGMA user_version")).fetchone()
            current = int(row[0]) if row else 0
            for number, name, sql in _migrations():
                if number <= current:
                    continue
                log.info("applying migration %s", name)
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(sql):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {number}")
                    await conn.execute("COMMIT")
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
                current = number
            return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction. Exceptions roll it back; nothing else may write meanwhile."""
        conn = self.writer
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(conn, self._observe)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def release_memory(self) -> None:
        """Empty the writer's page cache (~2 MiB after a catalog sync or a big poll cycle,
        kept for good otherwise): a page the next write needs is one read() away in the OS's
        cache. The readers keep theirs (small, and what browsing reads)."""
        conn = self.writer
        async with self._lock:
            await (await conn.execute("PRAGMA shrink_memory")).close()

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement on its own. The writer runs in autocommit mode, so SQLite makes
        the statement its own transaction (all or nothing, triggers included): a BEGIN and a
        COMMIT around it would only add two round trips to the writer's thread."""
        conn = self.writer
        async with self._lock:
            return await _SqliteTx(conn, self._observe).execute(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # Each read has a reader connection to itself from execute to close: an open
        # statement pins its connection's snapshot, so a reader shared by statements of
        # several coroutines, interleaved, could stay behind the writer and miss rows just
        # committed (a new user read back, a state just saved).
        if not self._readers:
            raise RuntimeError("database is not connected")
        reader = await self._idle.get()
        try:
            return list(await reader.execute_fetchall(sql, params))
        finally:
            self._idle.put_nowait(reader)


def _open_inline(path: Path) -> sqlite3.Connection:
    """The connection `quick` reads run on, in the event loop's thread: read-only, and
    never waiting for a lock (busy_timeout 0: a busy database is read the usual way)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 0")
    conn.execute("PRAGMA query_only = ON")
    conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
    return conn


class _QuickReader(FetchOne):
    """Reads of a few rows by key, run at once on the calling (event loop) thread.

    A read through a reader connection is handed to that connection's thread and its
    answer handed back through the loop: about 30 µs on a quiet machine and several
    times that on a busy one, for a key lookup SQLite answers in a few microseconds. Only
    such reads come here (`Database.quick`): a scan would stall the loop. In WAL mode a
    reader never waits for the writer; in the rare case SQLite still says busy (or the
    call comes from another thread), the read goes the usual way."""

    dialect = "sqlite"
    __slots__ = ("_db",)

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        conn = self._db._inline
        if conn is not None:
            try:
                cursor = conn.execute(sql, params)
                try:
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except (sqlite3.OperationalError, sqlite3.ProgrammingError):
                pass  # busy, or not the loop's thread: the usual way says what is wrong
        return await self._db.fetchall(sql, params)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations contain no `;` inside literals
    except within CREATE TRIGGER bodies, which end with `END;`)."""
    statements: list[str] = []
    buffer: list[str] = []
    in_trigger = False
    for line in script.splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        buffer.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if in_trigger:
            if upper.endswith("END;"):
                statements.append("\n".join(buffer))
                buffer, in_trigger = [], False
        elif stripped.endswith(";"):
            statements.append("\n".join(buffer))
            buffer = []
    if "".join(buffer).strip():
        statements.append("\n".join(buffer))
    return statements
