"""The database interface the services use, whatever the engine behind it.

Services see three things: `fetchone` / `fetchall` / `fetchval` for reads (on the database
itself, or inside a transaction to read what the transaction wrote), `execute` /
`executemany` for writes inside `transaction()`, and rows that answer both `row["name"]`
and `row[0]`. SQL is written once with `?` placeholders; an engine that numbers its
parameters translates them. No cursor ever leaves this package.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, ClassVar, Protocol

# A result row: indexable by column name and by position (sqlite3.Row, asyncpg.Record).
Row = Any
Params = Sequence[Any]


class IntegrityError(Exception):
    """A constraint refused a write (unique, foreign key, check, the ledger guard), whatever
    the engine. Raised in place of the driver's own exception."""


class Queryable(Protocol):
    """Something that answers reads: the database (committed data) or a transaction (its own
    uncommitted writes included)."""

    dialect: str  # "sqlite" | "postgresql": for the one small function that must differ

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...


class Tx(Queryable, Protocol):
    """An open write transaction: everything in it commits together or not at all."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...


# Called with the SQL of every statement run inside a transaction (tests count writes).
StatementObserver = Callable[[str], None]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def sqlite_path(target: Path | str) -> Path:
    """The file a SQLite target names: a path, or a `sqlite:///path` URL."""
    if isinstance(target, str) and target.startswith(SQLITE_SCHEME):
        return Path(target[len(SQLITE_SCHEME) :])
    return Path(target)


class FetchOne:
    """`fetchone` and `fetchval` on top of a reader's `fetchall` (every engine, its
    transactions and its quick reads share these two)."""

    __slots__ = ()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Database(FetchOne):
    """A database the services use; `Database(target)` opens the engine `target` names.

    `target` is a SQLite file path (or `sqlite:///path`) or a `postgresql://` URL. Calling
    the base class picks the implementation, so every existing `Database(path)` keeps
    working and a URL from the settings needs no separate factory at the call sites.
    """

    dialect: str = ""
    # dialect -> implementation; each registers itself when imported (bot/db/__init__.py
    # imports SQLite's). An engine the package names in `_modules` (PostgreSQL's, whose
    # driver costs memory) is imported by the first target that asks for it.
    _engines: ClassVar[dict[str, type[Database]]] = {}
    _modules: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Database._engines[cls.dialect] = cls

    def __new__(cls, target: Path | str, *args: Any, **kwargs: Any) -> Database:
        if cls is Database:
            dialect = "postgresql" if is_postgres_url(target) else "sqlite"
            if dialect not in Database._engines and dialect in Database._modules:
                importlib.import_module(Database._modules[dialect])  # registers itself
            cls = Database._engines[dialect]
        return super().__new__(cls)

    def __init__(self, target: Path | str) -> None:
        self.target = target  # what opens this same database again: Database(db.target)
        self.observers: list[StatementObserver] = []

    def _observe(self, sql: str) -> None:
        for observer in self.observers:
            observer(sql)

    # Each engine implements these (the base class only picks the engine).
    async def connect(self) -> None:
        """Open and migrate; raises DatabaseUnavailable with one line saying why not."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    @property
    def connected(self) -> bool:
        raise NotImplementedError

    async def migrate(self) -> int:
        """Apply every pending migration; returns the schema version."""
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """A write transaction: exceptions roll it back."""
        raise NotImplementedError

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def release_memory(self) -> None:
        """Drop what a big job left in this process's database caches (a catalog sync or a
        poll cycle over thousands of orders fills SQLite's writer page cache); nothing where
        the server holds them (PostgreSQL)."""

    @property
    def quick(self) -> Queryable:
        """For reads of a few rows found by key (a user, a setting, a page of a category):
        the same committed data as the database's own reads, by the fastest way the engine
        has. SQLite answers them on the calling thread (`SqliteDatabase.quick`); other
        engines: the database itself. Never for a read that may scan."""
        return self


class DatabaseUnavailable(Exception):
    """The database cannot be created, opened or written; the message says why in one line."""


def for_update(conn: Queryable, of: str | None = None) -> str:
    """The suffix that locks the rows a SELECT reads until the transaction ends: for code
    that reads a row (a balance, an order's status) to change it. PostgreSQL runs
    transactions side by side (READ COMMITTED), so a second replica waits here and then reads
    the committed row; SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    Lock order, where a transaction takes several: the orders (or payments) row, then the
    users row. `of`: lock only this table (alias) of a join."""
    if conn.dialect != "postgresql":
        return ""
    # NO KEY UPDATE: the lock an UPDATE of non-key columns takes anyway. Plain FOR UPDATE
    # would also wait for the KEY SHARE lock that inserting a row referencing this one
    # takes (an order of this user, a ledger row), and two such transactions deadlock.
    return f" FOR NO KEY UPDATE OF {of}" if of else " FOR NO KEY UPDATE"
