"""The `kv` table: small named values the shop keeps between runs (the panel currency, the
operators' global markup and maintenance switch, alert states). This module is the only code
that reads or writes it; the modules that give a key its meaning call it.
"""

from __future__ import annotations

from bot.db import Database, Queryable, Tx


async def get(source: Queryable, key: str) -> str | None:
    """The value of `key`, or None. `source` is the database, or the connection of the
    caller's transaction when the value must be read in it (with what it has written)."""
    if isinstance(source, Database):
        source = source.quick  # a key lookup: the fastest read the engine has
    value = await source.fetchval("SELECT value FROM kv WHERE key = ?", (key,))
    return None if value is None else str(value)


async def put(conn: Tx, key: str, value: str) -> None:
    """Set `key` inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def put_new(conn: Tx, key: str, value: str) -> bool:
    """Set `key` only if it is not set yet; True if this call set it."""
    changed = await conn.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, value)
    )
    return changed > 0


async def delete(conn: Tx, key: str) -> None:
    await conn.execute("DELETE FROM kv WHERE key = ?", (key,))
