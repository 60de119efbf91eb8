"""aiogram FSM storage in SQLite, so a dialog survives a restart."""

from __future__ import annotations

import json
import time
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


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def close(self) -> None:
        """The database is owned and closed by the application."""

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        # /start and searches clear the state on every update: most calls change nothing,
        # and a read is far cheaper than taking the writer lock.
        if await self.get_state(key) == value:
            return
        await self.db.execute(
            "INSERT INTO fsm (key, state, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET state = excluded.state,"
            " updated_at = excluded.updated_at",
            (self.key_builder.build(key), value, int(time.time())),
        )

    async def get_state(self, key: StorageKey) -> str | None:
        value = await self.db.fetchval(
            "SELECT state FROM fsm WHERE key = ?", (self.key_builder.build(key),)
        )
        return None if value is None else str(value)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping, not {type(data).__name__}")
        built = self.key_builder.build(key)
        encoded = json.dumps(dict(data))
        stored = await self.db.fetchval("SELECT data FROM fsm WHERE key = ?", (built,))
        if stored == encoded or (stored is None and not data):
            return  # nothing changes (no row at all reads as empty data)
        await self.db.execute(
            "INSERT INTO fsm (key, data, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            (built, encoded, int(time.time())),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        value = await self.db.fetchval(
            "SELECT data FROM fsm WHERE key = ?", (self.key_builder.build(key),)
        )
        if not value:
            return {}
        data = json.loads(value)
        return data if isinstance(data, dict) else {}
