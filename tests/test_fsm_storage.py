from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
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


class _CountedReads:
    """Spies on the storage's reads (key lookups: `db.quick`), then reads as it would."""

    def __init__(self, quick: Any) -> None:
        self.quick = quick
        self.reads: list[str] = []

    async def fetchone(self, sql: str, params: Any = ()) -> Any:
        self.reads.append(sql)
        return await self.quick.fetchone(sql, params)


def _count_reads(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    spy = _CountedReads(db.quick)
    monkeypatch.setattr(type(db), "quick", property(lambda _: spy))
    return spy.reads


async def test_one_process_reads_a_dialog_once(
    database_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiogram reads the state on every update, a handler reads it and the data again: on
    SQLite (one process, the storage the only writer of its table) those are answered from
    what it read or wrote; on PostgreSQL (other processes may share the table) each is a
    read of the database."""
    db = Database(database_target)
    await db.connect()
    cached = db.dialect == "sqlite"
    try:
        storage = SQLiteStorage(db)
        reads = _count_reads(db, monkeypatch)
        for _ in range(3):
            assert await storage.get_state(KEY) is None
            assert await storage.get_data(KEY) == {}
        assert len(reads) == (1 if cached else 6)
        await storage.set_state(KEY, Dialog.link)
        await storage.update_data(KEY, {"service": "30"})
        data = await storage.get_data(KEY)
        data["service"] = "changed by the caller"  # a copy: the cache is not touched
        assert await storage.get_data(KEY) == {"service": "30"}
        assert await storage.get_state(KEY) == "Dialog:link"
        if cached:
            assert len(reads) == 1
        else:
            assert len(reads) > 6 and storage._rows == {}
        # what was written is in the database, as a fresh process reads it
        fresh = SQLiteStorage(db)
        assert await fresh.get_state(KEY) == "Dialog:link"
        assert await fresh.get_data(KEY) == {"service": "30"}
    finally:
        await db.close()


async def test_a_failed_write_leaves_the_database_in_charge(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db
    storage = SQLiteStorage(db)
    await storage.set_state(KEY, Dialog.link)
    execute = db.execute

    async def refused(sql: str, params: object = ()) -> int:
        raise OSError("disk full")

    db.execute = refused  # type: ignore[method-assign]
    with pytest.raises(OSError):
        await storage.set_state(KEY, None)
    db.execute = execute  # type: ignore[method-assign]
    reads = _count_reads(db, monkeypatch)
    assert await storage.get_state(KEY) == "Dialog:link"  # not the value that failed
    assert len(reads) == 1  # read again from the database


async def test_the_cache_is_bounded(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    db = sqlite_db
    storage = SQLiteStorage(db, cache_size=2)
    keys = [StorageKey(bot_id=1, chat_id=n, user_id=n) for n in (1, 2, 3)]
    for n, key in enumerate(keys):
        await storage.set_data(key, {"n": n})
    reads = _count_reads(db, monkeypatch)
    assert await storage.get_data(keys[2]) == {"n": 2}
    assert reads == []
    assert await storage.get_data(keys[0]) == {"n": 0}  # the oldest was dropped
    assert len(reads) == 1
    assert len(storage._rows) == 2
