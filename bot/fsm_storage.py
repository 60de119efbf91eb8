"""aiogram FSM storage in the database, so a dialog survives a restart.

Used when REDIS_URL is unset, which means one process (replicas share their dialogs through
Redis instead), and this storage is the only writer of the `fsm` table. On SQLite that is
certain (one process owns the file), so it keeps what it read or wrote in a bounded cache:
aiogram reads the state on every update and a handler reads it again (and the data) before
writing, and those reads cost a database round trip each while the row cannot have changed
under us. A write goes to the database first and to the cache only once it succeeded; a
write that fails drops the entry, so the next read asks the database again. On PostgreSQL,
where replicas run without Redis against the README's advice would share the table,
nothing is cached (`cache_size` 0).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from bot.db import Database

# (state, data as stored) of the most recently used dialogs: a few hundred bytes each
CACHED_DIALOGS = 2048
_EMPTY = "{}"


class SQLiteStorage(BaseStorage):
    def __init__(
        self,
        db: Database,
        key_builder: KeyBuilder | None = None,
        *,
        cache_size: int = CACHED_DIALOGS,
    ) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)
        # PostgreSQL may have other processes writing this table: read it every time there
        self.cache_size = cache_size if db.dialect == "sqlite" else 0
        self._rows: OrderedDict[str, tuple[str | None, str]] = OrderedDict()

    async def close(self) -> None:
        """The database is owned and closed by the application."""

    async def _row(self, built: str) -> tuple[str | None, str]:
        """(state, data as stored) of a dialog; no row reads as no state and no data."""
        cached = self._rows.get(built)
        if cached is not None:
            self._rows.move_to_end(built)
            return cached
        row = await self.db.quick.fetchone("SELECT state, data FROM fsm WHERE key = ?", (built,))
        found = (None, _EMPTY) if row is None else (row[0], str(row[1] or _EMPTY))
        self._remember(built, found)
        return found

    def _remember(self, built: str, row: tuple[str | None, str]) -> None:
        if not self.cache_size:
            return
        self._rows[built] = row
        self._rows.move_to_end(built)
        while len(self._rows) > self.cache_size:
            self._rows.popitem(last=False)

    async def _write(self, built: str, column: str, row: tuple[str | None, str]) -> None:
        value = row[0] if column == "state" else row[1]
        try:
            await self.db.execute(
                f"INSERT INTO fsm (key, {column}, updated_at) VALUES (?, ?, ?)"
                f" ON CONFLICT (key) DO UPDATE SET {column} = excluded.{column},"
                " updated_at = excluded.updated_at",
                (built, value, int(time.time())),
            )
        except BaseException:
            self._rows.pop(built, None)  # the database decides what the next read sees
            raise
        self._remember(built, row)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        built = self.key_builder.build(key)
        current, data = await self._row(built)
        # /start and searches clear the state on every update: most calls change nothing
        if current == value:
            return
        await self._write(built, "state", (value, data))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._row(self.key_builder.build(key))
        return None if state is None else str(state)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping, not {type(data).__name__}")
        built = self.key_builder.build(key)
        encoded = json.dumps(dict(data))
        state, stored = await self._row(built)
        if stored == encoded:
            return  # nothing changes (no row at all reads as empty data)
        await self._write(built, "data", (state, encoded))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, stored = await self._row(self.key_builder.build(key))
        data = json.loads(stored)
        return data if isinstance(data, dict) else {}
