"""The database the services use: `Database(target)` opens SQLite (a path or
`sqlite:///path`) or PostgreSQL (a `postgresql://` URL); both answer the same methods."""

from bot.db.base import (
    Database,
    DatabaseUnavailable,
    IntegrityError,
    Queryable,
    Row,
    Tx,
    for_update,
)

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "IntegrityError",
    "Queryable",
    "Row",
    "Tx",
    "for_update",
]
