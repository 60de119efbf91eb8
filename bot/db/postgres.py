"""PostgreSQL access through asyncpg: a connection pool, the same methods as SQLite.

SQL is written once with `?` placeholders; here they become `$1, $2...` (outside string
literals, quoted names and comments), translated once per distinct statement. A transaction
holds one pooled connection from BEGIN to COMMIT (READ COMMITTED, PostgreSQL's default):
code that reads a row to change it locks it first (`for_update` in bot/db/base.py), so replicas
writing the same balance or order serialise on the row. Constraint violations, including
those raised by the trigger functions of the migrations, become bot.db.IntegrityError.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.db.base import (
    Database,
    DatabaseUnavailable,
    FetchOne,
    IntegrityError,
    Params,
    Row,
    Tx,
)

log = logging.getLogger(__name__)

POOL_MIN = 1
POOL_MAX = 10
CONNECT_TIMEOUT = 10.0
# Migrations run under this advisory lock (per schema): replicas starting together wait for
# the first one and then find nothing left to apply.
_LOCK_SQL = "SELECT pg_advisory_lock(hashtext('smm-bot-migrate:' || current_schema()))"
_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('smm-bot-migrate:' || current_schema()))"

# Trigger functions raise with SQLSTATE 23000 (integrity_constraint_violation); RAISE
# without a code (P0001) is mapped too, in case a migration forgets it.
_INTEGRITY = (asyncpg.exceptions.IntegrityConstraintViolationError, asyncpg.exceptions.RaiseError)


def redact_url(url: str) -> str:
    """The URL with its password replaced, for logs and `check` (never print a secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://(unparsable URL)"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """`?` placeholders to `$n`, leaving string literals, quoted names and comments alone."""
    if "?" not in sql:
        return sql
    out: list[str] = []
    number = 0
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in ("'", '"'):
            end = sql.find(char, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == char:  # '' or "" escape
                end = sql.find(char, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out.append(sql[i:end])
            i = end
        elif char == "?":
            number += 1
            out.append(f"${number}")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _rowcount(status: str) -> int:
    """Rows changed, from asyncpg's command tag ("UPDATE 3", "INSERT 0 1"); -1 if none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class _PgTx(FetchOne):
    """A transaction on one pooled connection (see `PostgresDatabase.transaction`)."""

    __slots__ = ("_conn", "_observe")
    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection, observe: Callable[[str], None]) -> None:
        self._conn = conn
        self._observe = observe

    async def execute(self, sql: str, params: Params = ()) -> int:
        self._observe(sql)
        try:
            return _rowcount(await self._conn.execute(translate(sql), *params))
        except _INTEGRITY as exc:
            raise IntegrityError(str(exc)) from exc

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._observe(sql)
        batch = [tuple(row) for row in rows]
        if not batch:
            return
        try:
            await self._conn.executemany(translate(sql), batch)
        except _INTEGRITY as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        self._observe(sql)
        try:
            return list(await self._conn.fetch(translate(sql), *params))
        except _INTEGRITY as exc:
            raise IntegrityError(str(exc)) from exc


async def _init_connection(conn: asyncpg.Connection) -> None:
    """Accept what SQLite accepts where our code is loose about Python types: any value for
    a text parameter is sent as its str()."""
    await conn.set_type_codec("text", schema="pg_catalog", encoder=str, decoder=str, format="text")


class PostgresDatabase(Database):
    """PostgreSQL through an asyncpg pool; `url` is a postgresql:// DSN (unknown query
    parameters, e.g. ?search_path=..., are sent as server settings)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX) -> None:
        super().__init__(url)
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None

    def __repr__(self) -> str:
        return f"PostgresDatabase({redact_url(self.url)!r})"

    async def connect(self) -> None:
        """Open the pool and migrate. Raises DatabaseUnavailable (one line, no password)."""
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                timeout=CONNECT_TIMEOUT,
                init=_init_connection,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {redact_url(self.url)} ({_reason(exc, self.url)})"
            ) from None
        try:
            await self.migrate()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @property
    def connected(self) -> bool:
        return self._pool is not None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not connected")
        return self._pool

    async def migrate(self) -> int:
        """Apply every migration newer than schema_version, each in its own transaction,
        under an advisory lock so that replicas starting together apply each one once."""
        from bot.db.database import migrations

        async with self.pool.acquire() as conn:
            await conn.execute(_LOCK_SQL)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    " id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)"
                )
                await conn.execute(
                    "INSERT INTO schema_version (id, version) VALUES (1, 0)"
                    " ON CONFLICT (id) DO NOTHING"
                )
                current = int(await conn.fetchval("SELECT version FROM schema_version"))
                for number, name, sql in migrations("migrations_pg"):
                    if number <= current:
                        continue
                    log.info("applying migration %s", name)
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute("UPDATE schema_version SET version = $1", number)
                    current = number
                return current
            finally:
                await conn.execute(_UNLOCK_SQL)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction on one pooled connection; exceptions roll it back."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield _PgTx(conn, self._observe)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.pool.fetch(translate(sql), *params))


def _reason(exc: BaseException, url: str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    password = urlsplit(url).password
    if password:
        text = text.replace(password, "***")
    return text


@dataclass(frozen=True)
class PostgresState:
    version: int  # schema_version; 0 if never migrated
    latest: int
    problem: str | None


async def inspect(url: str) -> PostgresState:
    """The schema version at `url`, read without changing anything (`python -m bot check`)."""
    from bot.db.database import latest_version

    latest = latest_version("migrations_pg")
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return PostgresState(
            0, latest, f"cannot connect to {redact_url(url)} ({_reason(exc, url)})"
        )
    try:
        if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
            return PostgresState(0, latest, None)
        version = await conn.fetchval("SELECT version FROM schema_version")
        return PostgresState(int(version or 0), latest, None)
    except asyncpg.PostgresError as exc:
        return PostgresState(0, latest, f"cannot read {redact_url(url)} ({_reason(exc, url)})")
    finally:
        await conn.close()
