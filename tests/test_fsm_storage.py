from __future__ import annotations

from pathlib import Path

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.db import Database
from bot.fsm_storage import SQLiteStorage


class Dialog(StatesGroup):
    link = State()


KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


async def test_state_and_data_survive_a_restart(database_target: Path | str) -> None:
    path = database_target
    db = Database(path)
    await db.connect()
    storage = SQLiteStorage(db)
    await storage.set_state(KEY, Dialog.link)
    await storage.update_data(KEY, {"service": "30", "link": "https://x.test/p"})
    await db.close()

    db2 = Database(path)
    await db2.connect()
    storage2 = SQLiteStorage(db2)
    assert await storage2.get_state(KEY) == "Dialog:link"
    assert await storage2.get_data(KEY) == {"service": "30", "link": "https://x.test/p"}
    other = StorageKey(bot_id=1, chat_id=43, user_id=43)
    assert await storage2.get_state(other) is None
    assert await storage2.get_data(other) == {}
    await storage2.set_state(KEY, None)
    await storage2.set_data(KEY, {})
    assert await storage2.get_state(KEY) is None
    assert await storage2.get_data(KEY) == {}
    await db2.close()


async def test_writes_that_change_nothing_are_skipped(db: Database) -> None:
    storage = SQLiteStorage(db)
    writes: list[str] = []
    db.observers.append(
        lambda sql: writes.append(sql) if sql.lstrip().upper().startswith("INSERT") else None
    )
    # a first-time user's cleared state: nothing stored, nothing to store
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert writes == []
    await storage.set_state(KEY, Dialog.link)
    await storage.set_data(KEY, {"service": "30"})
    assert len(writes) == 2
    await storage.set_state(KEY, Dialog.link)
    await storage.set_data(KEY, {"service": "30"})
    assert len(writes) == 2
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert len(writes) == 4
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
