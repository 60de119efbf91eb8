"""What keeps the bot's memory down: the allocator trim after big jobs and the malloc arena
cap (bot/memory.py), the readers' smaller SQLite page cache, and no PostgreSQL driver loaded
for a SQLite bot."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import memory
from bot.db import Database
from bot.db.database import READER_CACHE_KIB, READERS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test looks libc up again (the helper remembers what it found)."""
    monkeypatch.setattr(memory, "_trim", None)
    monkeypatch.setattr(memory, "_looked_up", False)


def test_trim_is_safe_to_call_repeatedly(fresh_lookup: None) -> None:
    first = memory.release_freed_memory()
    assert memory.release_freed_memory() is first
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        assert first is hasattr(libc, "malloc_trim")  # glibc: the trim ran


def test_trim_does_nothing_where_libc_lacks_it(
    fresh_lookup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoTrim:  # a C library without malloc_trim (musl)
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Any:
            raise AttributeError(name)

    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    assert memory.release_freed_memory() is False
    assert memory.release_freed_memory() is False


def test_trim_does_nothing_without_a_loadable_libc(
    fresh_lookup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no such library")

    monkeypatch.setattr(ctypes, "CDLL", refuse)
    assert memory.release_freed_memory() is False


def test_trim_does_nothing_off_linux(fresh_lookup: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.release_freed_memory() is False


_ARENAS_SCRIPT = """
import ctypes, sys, threading
from bot.memory import limit_malloc_arenas
print(limit_malloc_arenas())
together = threading.Barrier(8)
def work():
    junk = [bytes(2000) for _ in range(200)]  # malloc'd in this thread's arena
    together.wait()  # all alive at once: none hands its arena on to the next
    del junk
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
sys.stdout.flush()
ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" block per arena, on stderr
"""


def _arenas_run(**env: str) -> tuple[str, int]:
    environ = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", _ARENAS_SCRIPT],
        cwd=ROOT,
        env={**environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "malloc_stats"),
    reason="glibc only",
)
def test_malloc_arenas_are_capped_unless_the_environment_says() -> None:
    """Eight allocating threads share the one arena `python -m bot` allows; an operator's
    MALLOC_ARENA_MAX is left to glibc."""
    said, arenas = _arenas_run()
    assert said == "True"
    assert 1 <= arenas <= memory.ARENAS
    said, arenas = _arenas_run(MALLOC_ARENA_MAX="4")
    assert said == "False"
    assert memory.ARENAS < arenas <= 4


def test_arena_cap_does_nothing_where_libc_lacks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no such library")

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(ctypes, "CDLL", refuse)
    assert memory.limit_malloc_arenas() is False
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.limit_malloc_arenas() is False


async def test_readers_have_the_smaller_page_cache(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.connect()
    try:
        # the idle readers are taken in turn: this many reads visit every one
        sizes = [await db.fetchval("PRAGMA cache_size") for _ in range(2 * READERS)]
        assert set(sizes) == {-READER_CACHE_KIB}
        async with db.transaction() as tx:
            writer = await tx.fetchval("PRAGMA cache_size")
        assert writer == -2000  # SQLite's default, kept for the writer
    finally:
        await db.close()


def test_a_sqlite_bot_does_not_load_the_postgresql_driver() -> None:
    code = (
        "import sys, bot.__main__, bot.app, bot.db\n"
        "assert 'asyncpg' not in sys.modules, 'asyncpg imported'\n"
        "assert 'bot.db.postgres' not in sys.modules\n"
        "from bot.db import Database, PostgresDatabase\n"
        "db = Database('postgresql://u@127.0.0.1:1/x')\n"
        "assert isinstance(db, PostgresDatabase), type(db)\n"
        "assert 'asyncpg' in sys.modules\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=60,
    )  # fmt: skip


async def test_the_start_up_heap_is_frozen_while_the_bot_runs(
    tmp_path: Path, fake_tg: Any, fake_panel: Any
) -> None:
    """Start-up freezes what it built (full collections then skip it) and shutdown thaws
    it, so a bot restarted in place (or the next test) leaves nothing uncollectable."""
    import gc

    from tests.harness import BotHarness

    harness = BotHarness(tmp_path, fake_tg, fake_panel)
    await harness.start()
    try:
        assert gc.get_freeze_count() > 10_000  # modules, routers, schemas, texts
        await harness.send("/start")  # the bot works as usual meanwhile
        assert harness.errors == []
    finally:
        await harness.stop()
    assert gc.get_freeze_count() == 0
