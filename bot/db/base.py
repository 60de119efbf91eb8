"""The database interface the services use, whatever the engine behind it.

Services see three things: `fetchone` / `fetchall` / `fetchval` for reads (on the database
itself, or inside a transaction to read what the transaction wrote), `execute` /
`executemany` for writes inside `transaction()`, and rows that answer both `row["name"]`
and `row[0]`. SQL is written once with `?` placeholders; an engine that numbers its
parameters translates them. No cursor ever leaves this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

# A result row: indexable by column name and by position (sqlite3.Row, asyncpg.Record).
Row = Any
Params = Sequence[Any]


class IntegrityError(Exception):
    """A constraint refused a write (unique, foreign key, check, the ledger guard), whatever
    the engine. Raised in place of the driver's own exception."""


class Queryable(Protocol):
    """Something that answers reads: the database (committed data) or a transaction (its own
    uncommitted writes included)."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...


class Tx(Queryable, Protocol):
    """An open write transaction: everything in it commits together or not at all."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...
