"""The database the services use: `Database(target)` opens SQLite (a path or
`sqlite:///path`) or PostgreSQL (a `postgresql://` URL); both answer the same methods.

The PostgreSQL engine (and asyncpg, ~3 MB resident) is imported only when a `postgresql://`
target is opened or `PostgresDatabase` is asked for: a bot on SQLite never loads it."""

from typing import TYPE_CHECKING, Any

from bot.db.base import (
    Database,
    DatabaseUnavailable,
    IntegrityError,
    Queryable,
    Row,
    Tx,
    for_update,
)
from bot.db.database import SqliteDatabase

Database._modules["postgresql"] = "bot.db.postgres"  # asyncpg loads with the first URL

if TYPE_CHECKING:
    from bot.db.postgres import PostgresDatabase

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "IntegrityError",
    "PostgresDatabase",
    "Queryable",
    "Row",
    "SqliteDatabase",
    "Tx",
    "for_update",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresDatabase":
        from bot.db.postgres import PostgresDatabase

        return PostgresDatabase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
