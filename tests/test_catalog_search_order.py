"""SQLite's search index in display order (migration 014, catalog_search): after each sync
its keys follow the catalog's order, anything that could break that order says so, and a
search finds the same services, in the same order and with the same count, whichever way
it reads them."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database
from bot.panel import PanelClient
from bot.services import catalog, catalog_admin, catalog_search
from bot.services.catalog_counts import OFFERED
from tests.fakes.panel import FakePanel, _svc

WORDS = ["likes", "followers", "views", "real", "hq", "fast", "ig", "пдп", "tiktok", "gram"]
CATEGORIES = ["Instagram Likes", "TikTok Views", "Telegram", "YouTube HQ", "VK", "Прочее"]


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def client(panel_client: PanelClient) -> PanelClient:
    return panel_client


def _catalog(rng: random.Random, ids: range) -> list[dict[str, object]]:
    """Services whose categories interleave in the panel's list (so the display order, by
    category first, is not the panel's), a few of a type the bot does not offer."""
    services = []
    for sid in ids:
        name = " ".join(rng.sample(WORDS, rng.randint(1, 3))) + f" {sid}"
        kind = "Strange New Type" if rng.random() < 0.05 else "Default"
        services.append(_svc(sid, name, kind, rng.choice(CATEGORIES), "1", 1, 100))
    rng.shuffle(services)
    return services


async def _display_order(db: Database) -> list[str]:
    rows = await db.fetchall(
        "SELECT s.id FROM services s JOIN categories c ON c.id = s.category_id"
        " ORDER BY c.position, c.id, s.position, s.id"
    )
    return [str(row[0]) for row in rows]


async def _index_order(db: Database) -> list[str]:
    rows = await db.fetchall("SELECT service_id FROM service_search ORDER BY key")
    return [str(row[0]) for row in rows]


async def _offered_differs(db: Database) -> int:
    """How many of the index's content rows say otherwise than their service whether it
    is offered (migration 014's triggers keep them equal)."""
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM service_search q JOIN services s ON s.id = q.service_id"
            f" WHERE q.offered IS NOT ({OFFERED})"
        )
    )


async def _no_order(db: Database) -> bool:
    return False


async def _every_way(
    db: Database, monkeypatch: pytest.MonkeyPatch, query: str, page: int
) -> list[tuple[list[str], int, bool, int]]:
    """The same search through the index in order, the index's candidates ordered after,
    and the walk: (ids, total, more, page) of each."""
    answers = []
    for way in ("in order", "candidates", "walk"):
        with monkeypatch.context() as patch:
            if way != "in order":
                patch.setattr(catalog_search, "in_display_order", _no_order)
            if way == "walk":
                patch.setattr(catalog_search, "NARROW", 0)
            found = await catalog.search(db, query, page, per_page=4)
        answers.append(([s.id for s in found.items], found.total, found.more, found.page))
    return answers


async def test_every_way_of_reading_the_index_finds_the_same_page(
    db: Database, client: PanelClient, fake_panel: FakePanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_search, "CAP", 9)  # many searches pass the cap
    rng = random.Random(14)
    fake_panel.services = _catalog(rng, range(1, 241))
    await catalog.sync(db, client)
    for sid in rng.sample(range(1, 241), 20):
        await catalog_admin.set_hidden(db, 1, str(sid), True)
    for round_ in range(2):
        assert await catalog_search.in_display_order(db)
        assert await _index_order(db) == await _display_order(db)
        assert await _offered_differs(db) == 0
        for _ in range(60):
            query = " ".join(rng.sample(WORDS, rng.randint(1, 2)))
            if rng.random() < 0.2:
                query = str(rng.randrange(1, 300))
            if rng.random() < 0.5:
                query = query.upper()
            for page in (0, 1, 3):
                answers = await _every_way(db, monkeypatch, query, page)
                assert answers[0] == answers[1] == answers[2], (query, page, answers)
        # the next sync: new services among the old ones, categories moved, some gone
        services = _catalog(rng, range(241, 301)) + fake_panel.services[20:]
        rng.shuffle(services)
        fake_panel.services = services
        await catalog.sync(db, client)
        assert round_ == 0 or await _index_order(db) == await _display_order(db)


async def test_whatever_can_break_the_order_says_so_until_the_next_sync(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.services = _catalog(random.Random(3), range(1, 31))
    assert not await catalog_search.in_display_order(db)  # a new database: not yet
    await catalog.sync(db, client)
    assert await catalog_search.in_display_order(db)
    await catalog.sync(db, client)  # nothing moved: the keys are left as they are
    assert await catalog_search.in_display_order(db)

    async def breaks(sql: str, params: tuple[object, ...]) -> bool:
        async with db.transaction() as tx:
            await tx.execute(sql, params)
        broken = not await catalog_search.in_display_order(db)
        assert await _offered_differs(db) == 0
        await catalog.sync(db, client)  # puts the keys in order again
        assert await catalog_search.in_display_order(db)
        assert await _index_order(db) == await _display_order(db)
        return broken

    category = await db.fetchval("SELECT category_id FROM services WHERE id = '5'")
    assert await breaks("UPDATE categories SET position = position + 100 WHERE id = ?", (category,))
    assert await breaks("UPDATE services SET position = position + 100 WHERE id = ?", ("5",))
    assert await breaks(
        "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
        " position, search_text, updated_at)"
        " VALUES ('999', ?, 'copied', 'Default', 'default', 1, 1, 10, 0, 'copied', 0)",
        (category,),
    )
    # what leaves the order as it was does not clear it
    assert not await breaks("UPDATE services SET hidden = 1 WHERE id = ?", ("5",))
    assert not await breaks("UPDATE services SET kind = NULL WHERE id = ?", ("7",))
    assert not await breaks("UPDATE services SET available = 0 WHERE id = ?", ("8",))
    assert await db.fetchval("SELECT offered FROM service_search WHERE service_id = '5'") == 0
    assert not await breaks("UPDATE services SET position = position WHERE id = ?", ("6",))


async def test_the_migration_marks_an_existing_catalog(tmp_path: Path) -> None:
    """A database at migration 13 with services of every kind: 014 marks each content row
    offered or not as its service is, and leaves the keys as not in order (the next sync
    orders them); searches meanwhile read as before."""
    from bot.db.database import _split_sql, migrations

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    for number, _, sql in migrations():
        if number > 13:
            break
        for statement in _split_sql(sql):
            old.execute(statement)
        old.execute(f"PRAGMA user_version = {number}")
    old.execute("INSERT INTO categories (id, name, position) VALUES (1, 'Likes', 0)")
    for sid, available, hidden, kind in [
        ("1", 1, 0, "default"), ("2", 0, 0, "default"), ("3", 1, 1, "default"),
        ("4", 1, 0, None), ("5", 1, 0, "default"),
    ]:  # fmt: skip
        old.execute(
            "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
            " available, hidden, position, search_text, updated_at)"
            " VALUES (?, 1, 'x', 'Default', ?, 1, 1, 10, ?, ?, ?, 'real likes', 0)",
            (sid, kind, available, hidden, -int(sid)),
        )
    old.execute("UPDATE categories SET offered = 2")
    old.close()
    db = Database(path)
    await db.connect()
    try:
        rows = await db.fetchall("SELECT service_id, offered FROM service_search ORDER BY 1")
        assert [(r[0], r[1]) for r in rows] == [("1", 1), ("2", 0), ("3", 0), ("4", 0), ("5", 1)]
        assert not await catalog_search.in_display_order(db)
        assert [s.id for s in (await catalog.search(db, "likes", 0)).items] == ["5", "1"]
    finally:
        await db.close()
