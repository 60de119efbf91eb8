"""Catalog service: sync from a real PanelClient talking to the fake panel, browse, search."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from bot.db import Database
from bot.panel import PanelClient, PanelError
from bot.services import catalog, catalog_admin, catalog_search
from tests.fakes.panel import IG, TG, FakePanel, Fault, _svc


@pytest.fixture
async def client(fake_panel: FakePanel) -> AsyncIterator[PanelClient]:
    async with PanelClient(fake_panel.url, fake_panel.key, retries=0) as panel:
        yield panel


async def _row(db: Database, service_id: str) -> dict[str, object]:
    row = await db.fetchone("SELECT * FROM services WHERE id = ?", (service_id,))
    assert row is not None
    return dict(row)


# --------------------------------------------------------------------------- sync


async def test_sync_inserts_categories_and_services(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    report = await catalog.sync(db, client)
    assert report.total == 17
    assert report.added == [str(i) for i in range(1, 18)]
    assert report.removed == [] and report.price_changes == [] and report.unknown_types == []

    categories = await db.fetchall("SELECT name, position FROM categories ORDER BY position")
    assert [(r["name"], r["position"]) for r in categories] == [(IG, 0), (TG, 1)]

    one = await _row(db, "1")
    assert one["rate"] == 900_000  # 0.9000 per 1000
    assert one["kind"] == "default" and one["type"] == "Default"
    assert (one["min_qty"], one["max_qty"]) == (10, 10000)
    assert (one["dripfeed"], one["refill"], one["cancel"]) == (1, 1, 1)
    assert one["average_time"] == "35" and one["description"] == "Fast start"
    assert one["available"] == 1 and one["position"] == 0
    assert one["search_text"] == f"ig followers [refill 30d]\n{IG.lower()}"
    assert (await _row(db, "2"))["rate"] == 36_000
    assert (await _row(db, "16"))["kind"] == "subscriptions"
    assert (await _row(db, "17"))["position"] == 16


async def test_resync_marks_vanished_reports_prices_and_restores(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    await catalog.sync(db, client)
    await db.execute("UPDATE services SET hidden = 1, markup_percent = '5' WHERE id = '2'")

    removed = [s for s in fake_panel.services if s["service"] in {"3", "4"}]
    fake_panel.services = [s for s in fake_panel.services if s["service"] not in {"3", "4"}]
    for service in fake_panel.services:
        if service["service"] == "1":
            service["rate"] = Decimal("1.0000")  # +11 %
        if service["service"] == "2":
            service["rate"] = Decimal("0.0720")  # +100 %
        if service["service"] == "17":
            service["rate"] = Decimal("0.5500")  # -50 %
    fake_panel.services.append(_svc(99, "New thing", "Default", TG, "1", 1, 10))

    report = await catalog.sync(db, client)
    assert report.total == 16
    assert report.added == ["99"]
    assert sorted(report.removed) == ["3", "4"]
    assert report.price_changes == [
        ("2", "IG Likes", 36_000, 72_000),
        ("17", "TG Members", 1_100_000, 550_000),
        ("1", "IG Followers [Refill 30d]", 900_000, 1_000_000),
    ]
    assert (await _row(db, "3"))["available"] == 0
    assert (await _row(db, "4"))["available"] == 0
    # operator settings survive a sync
    two = await _row(db, "2")
    assert two["hidden"] == 1 and two["markup_percent"] == "5"
    assert await catalog.get_service(db, "3") is not None  # never deleted

    # a quiet re-sync reports nothing
    quiet = await catalog.sync(db, client)
    assert not quiet.changed and quiet.removed == []

    fake_panel.services.extend(removed)
    back = await catalog.sync(db, client)
    assert sorted(back.restored) == ["3", "4"] and back.added == [] and back.removed == []
    assert (await _row(db, "3"))["available"] == 1


async def test_resync_rewrites_only_what_changed(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    """A quiet re-sync does not rewrite 50,000 rows under the writer lock: only a service
    whose stored row differs from the panel's entry is written."""
    await catalog.sync(db, client)
    await db.execute("UPDATE services SET updated_at = 0")
    for service in fake_panel.services:
        if service["service"] == "2":
            service["rate"] = Decimal("0.0720")
    report = await catalog.sync(db, client)
    assert [change[0] for change in report.price_changes] == ["2"]
    written = await db.fetchall("SELECT id FROM services WHERE updated_at <> 0")
    assert [row[0] for row in written] == ["2"]
    assert (await _row(db, "2"))["rate"] == 72_000


async def test_unknown_type_stored_not_offered_and_reported(
    db: Database, client: PanelClient, fake_panel: FakePanel, caplog: pytest.LogCaptureFixture
) -> None:
    fake_panel.services.append(_svc(50, "Mystery boost", "Telepathy Votes", TG, "1", 1, 10))
    with caplog.at_level(logging.WARNING, logger="bot.services.catalog"):
        report = await catalog.sync(db, client)
    assert report.unknown_types == [("50", "Telepathy Votes")]
    assert "Telepathy Votes" in caplog.text
    assert (await _row(db, "50"))["kind"] is None
    view = await catalog.get_service(db, "50")
    assert view is not None and not view.offered
    found = await catalog.search(db, "mystery", 0)
    assert found.total == 0
    tg = next(c for c in (await catalog.list_categories(db, 0)).items if c.name == TG)
    assert tg.count == 4


async def test_category_with_only_unknown_types_is_not_listed(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.services.append(_svc(60, "Odd", "Weird Type", "Odd Category", "1", 1, 10))
    await catalog.sync(db, client)
    names = [c.name for c in (await catalog.list_categories(db, 0)).items]
    assert names == [IG, TG]


@pytest.mark.parametrize("wrap", ["services", "data"])
async def test_wrapped_service_lists(
    db: Database, client: PanelClient, fake_panel: FakePanel, wrap: str
) -> None:
    fake_panel.variant.services_wrap = wrap  # type: ignore[assignment]
    fake_panel.variant.flag_style = "bool"
    fake_panel.variant.type_case = "kebab"
    report = await catalog.sync(db, client)
    assert report.total == 17 and report.unknown_types == []
    assert (await _row(db, "4"))["kind"] == "custom_comments"
    assert (await _row(db, "4"))["type"] == "CUSTOM-COMMENTS"


async def test_empty_service_list_makes_everything_unavailable(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    await catalog.sync(db, client)
    fake_panel.variant.services_empty = True
    report = await catalog.sync(db, client)
    assert report.total == 0 and len(report.removed) == 17
    assert (await catalog.list_categories(db, 0)).total == 0
    assert await db.fetchval("SELECT COUNT(*) FROM services") == 17


async def test_duplicate_ids_keep_the_first(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.services.append(_svc(1, "Duplicate", "Default", TG, "9", 1, 10))
    report = await catalog.sync(db, client)
    assert report.total == 17
    assert (await _row(db, "1"))["name"] == "IG Followers [Refill 30d]"


async def test_failed_sync_changes_nothing(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    await catalog.sync(db, client)
    fake_panel.services = []
    fake_panel.fail(Fault.HTML_502, times=1)
    with pytest.raises(Exception):  # noqa: B017 - whichever panel error, nothing is written
        await catalog.sync(db, client)
    assert await db.fetchval("SELECT COUNT(*) FROM services WHERE available = 1") == 17


async def test_currency_from_balance(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    assert await catalog.currency(db) == "USD"
    fake_panel.currency = "RUB"
    assert await catalog.refresh_currency(db, client) == "RUB"
    assert await catalog.currency(db) == "RUB"


async def test_sync_loop_survives_failures_and_reports(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    reports: list[catalog.SyncReport] = []

    async def on_report(report: catalog.SyncReport) -> None:
        reports.append(report)
        raise RuntimeError("admin chat unreachable")  # must not stop the loop

    fake_panel.fail(Fault.HTML_500, times=1, actions={"services"})
    fake_panel.currency = "EUR"
    task = asyncio.create_task(catalog.sync_loop(db, client, 0, on_report))
    try:
        for _ in range(200):
            if len(reports) >= 2:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(reports) >= 2  # first attempt failed, later ones worked
    assert reports[0].total == 17
    assert await catalog.currency(db) == "EUR"


# --------------------------------------------------------------------------- browsing


async def test_list_categories_and_services_paging(db: Database, client: PanelClient) -> None:
    await catalog.sync(db, client)
    cats = await catalog.list_categories(db, 0)
    assert [(c.name, c.count) for c in cats.items] == [(IG, 13), (TG, 4)]
    assert (cats.page, cats.pages, cats.total) == (0, 1, 2)

    ig = cats.items[0].id
    first = await catalog.list_services(db, ig, 0, per_page=5)
    assert (first.page, first.pages, first.total) == (0, 3, 13)
    assert [s.id for s in first.items] == ["1", "2", "3", "4", "5"]
    last = await catalog.list_services(db, ig, 2, per_page=5)
    assert [s.id for s in last.items] == ["11", "12", "13"] and not last.has_next
    clamped = await catalog.list_services(db, ig, 99, per_page=5)
    assert clamped.page == 2 and clamped.items == last.items
    negative = await catalog.list_services(db, ig, -3, per_page=5)
    assert negative.page == 0
    assert (await catalog.list_services(db, 12345, 0)).total == 0


async def test_hidden_service_not_listed_but_readable(db: Database, client: PanelClient) -> None:
    await catalog.sync(db, client)
    assert await catalog_admin.set_hidden(db, 1, "17", True) is True
    tg = (await catalog.list_categories(db, 0)).items[1]
    assert tg.count == 3
    page = await catalog.list_services(db, tg.id, 0)
    assert "17" not in [s.id for s in page.items]
    view = await catalog.get_service(db, "17")
    assert view is not None and not view.offered and view.name == "TG Members"
    assert await catalog.get_service(db, "nope") is None


async def test_markup_applied_in_prices(db: Database, client: PanelClient) -> None:
    await catalog.sync(db, client)
    view = await catalog.get_service(db, "2", default_markup=Decimal(10))
    assert view is not None
    assert view.rate_micros == 36_000 and view.unit_price == 39_600 and view.offered
    assert not view.is_package

    package = await catalog.get_service(db, "3", default_markup=Decimal(10))
    assert package is not None and package.is_package and package.unit_price == 2_750_000

    # operator's global markup in kv beats the setting; category and service overrides win
    await db.execute("INSERT INTO kv (key, value) VALUES ('markup_percent', '50')")
    await db.execute("UPDATE categories SET markup_percent = '20' WHERE name = ?", (TG,))
    await db.execute("UPDATE services SET markup_percent = '0' WHERE id = '17'")
    ig = (await catalog.list_categories(db, 0)).items[0]
    likes = next(s for s in (await catalog.list_services(db, ig.id, 0)).items if s.id == "2")
    assert likes.unit_price == 54_000
    found = {s.id: s for s in (await catalog.search(db, "tg", 0)).items}
    assert found["14"].unit_price == 600_000  # 0.5 + 20 %
    assert found["17"].unit_price == 1_100_000  # no markup on this one


async def test_unit_price_rounds_up(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.services = [_svc(1, "Cheap", "Default", TG, "0.0000015", 1, 10)]
    await catalog.sync(db, client)
    view = await catalog.get_service(db, "1", default_markup=Decimal("33.3"))
    assert view is not None and view.rate_micros == 2  # a cost: rounded up, never down
    assert view.unit_price == 3


# --------------------------------------------------------------------------- search


async def _not_in_order(db: Database) -> bool:
    return False


@pytest.fixture(params=["index in order", "index", "walk", "portable"])
def search_path(
    request: pytest.FixtureRequest, db: Database, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Every matching rule holds on each way catalog_search finds rows: the trigram index
    with its keys in display order (after a sync), its candidates ordered afterwards (keys
    not in order), the in-order walk of a broad search, and the portable fallback."""
    if request.param in ("index", "walk"):
        monkeypatch.setattr(catalog_search, "in_display_order", _not_in_order)
    if request.param == "walk":
        monkeypatch.setattr(catalog_search, "NARROW", 0)  # any candidate makes it broad
    if request.param == "portable":
        monkeypatch.setattr(db, "dialect", "portable", raising=False)
    return str(request.param)


async def test_search_words_any_order_and_case(
    db: Database, client: PanelClient, search_path: str
) -> None:
    await catalog.sync(db, client)
    ids = [s.id for s in (await catalog.search(db, "PACKAGE followers Ig", 0)).items]
    assert ids == ["3", "5"]
    ids = [s.id for s in (await catalog.search(db, "comments CUSTOM", 0)).items]
    assert ids == ["4", "5"]
    # a word may come from the category ("Instagram Followers") and another from the name
    ids = [s.id for s in (await catalog.search(db, "followers likes", 0)).items]
    assert ids == ["2", "12"]
    ids = [s.id for s in (await catalog.search(db, "members   INVITES", 0)).items]
    assert ids == ["15"]  # "members" from the category of 15
    assert (await catalog.search(db, "telegram members", 0)).total == 4
    assert (await catalog.search(db, "followers nothing", 0)).total == 0
    assert (await catalog.search(db, "   ", 0)).total == 0


async def test_search_matches_cyrillic_any_case(
    db: Database, client: PanelClient, fake_panel: FakePanel, search_path: str
) -> None:
    fake_panel.services.append(_svc(70, "Подписчики Телеграм", "Default", "Телеграм", "1", 1, 9))
    await catalog.sync(db, client)
    assert [s.id for s in (await catalog.search(db, "ТЕЛЕГРАМ подписчики", 0)).items] == ["70"]


async def test_search_by_id_ranks_first(
    db: Database, client: PanelClient, fake_panel: FakePanel, search_path: str
) -> None:
    fake_panel.services.append(_svc(1000, "Views 12", "Default", TG, "1", 1, 9))
    await catalog.sync(db, client)
    result = await catalog.search(db, "12", 0)
    assert [s.id for s in result.items] == ["12", "1000"]  # id first, then the name match
    assert [s.id for s in (await catalog.search(db, "#1000", 0)).items] == ["1000"]
    # "1" must not match every id containing a 1
    ids = [s.id for s in (await catalog.search(db, "1", 0)).items]
    assert ids[0] == "1" and "17" not in ids and "14" not in ids


async def test_search_like_wildcards_are_plain(
    db: Database, client: PanelClient, fake_panel: FakePanel, search_path: str
) -> None:
    fake_panel.services.append(_svc(80, "100% Real_Likes", "Default", TG, "1", 1, 9))
    await catalog.sync(db, client)
    assert (await catalog.search(db, "%", 0)).total == 1
    assert (await catalog.search(db, "_", 0)).total == 1
    assert (await catalog.search(db, "100%", 0)).total == 1
    assert (await catalog.search(db, "l_kes", 0)).total == 0
    assert (await catalog.search(db, "' OR 1=1 --", 0)).total == 0
    assert (await catalog.search(db, "\\", 0)).total == 0


async def test_search_paging(
    db: Database, client: PanelClient, fake_panel: FakePanel, search_path: str
) -> None:
    fake_panel.services = [
        _svc(i, f"Likes pack {i}", "Default", TG, "1", 1, 9) for i in range(1, 24)
    ]
    await catalog.sync(db, client)
    first = await catalog.search(db, "likes", 0)
    assert (first.total, first.pages, len(first.items)) == (23, 3, 10)
    third = await catalog.search(db, "likes", 2)
    assert [s.id for s in third.items] == ["21", "22", "23"]
    assert (await catalog.search(db, "likes", 7)).page == 2


async def test_search_finds_what_the_text_index_was_told(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    """The trigram index follows services through triggers: a renamed service is found by
    its new name only, a vanished or hidden one not at all, a short word and a Cyrillic
    word still match, and the index holds one row per service."""
    await catalog.sync(db, client)
    for service in fake_panel.services:
        if service["service"] == "2":
            service["name"] = "Лайки Ультра"
    fake_panel.services = [s for s in fake_panel.services if s["service"] != "3"]
    await catalog.sync(db, client)
    assert [s.id for s in (await catalog.search(db, "ультра ЛАЙКИ", 0)).items] == ["2"]
    assert [s.id for s in (await catalog.search(db, "ул", 0)).items] == ["2"]
    assert (await catalog.search(db, "package followers ig", 0)).total == 1  # 3 vanished
    assert await catalog_admin.set_hidden(db, 1, "5", True) is True
    assert (await catalog.search(db, "package followers ig", 0)).total == 0
    if db.dialect == "sqlite":  # SQLite's FTS index (PostgreSQL searches without one)
        indexed = await db.fetchval("SELECT COUNT(*) FROM service_search")
        assert indexed == await db.fetchval("SELECT COUNT(*) FROM services")


@pytest.mark.parametrize(("in_order", "narrow"), [(True, 600), (False, 600), (False, 0)])
async def test_broad_search_counts_up_to_the_cap(
    db: Database,
    client: PanelClient,
    fake_panel: FakePanel,
    monkeypatch: pytest.MonkeyPatch,
    in_order: bool,
    narrow: int,
) -> None:
    """A search with more than CAP matches says so and pages through the first CAP, in
    the catalog's order, whichever way it was found."""
    monkeypatch.setattr(catalog_search, "CAP", 5)
    monkeypatch.setattr(catalog_search, "NARROW", narrow)
    if not in_order:
        monkeypatch.setattr(catalog_search, "in_display_order", _not_in_order)
    fake_panel.services = [
        _svc(i, f"Likes pack {i}", "Default", TG, "1", 1, 9) for i in range(1, 24)
    ]
    await catalog.sync(db, client)
    first = await catalog.search(db, "LIKES", 0, per_page=2)
    assert (first.total, first.more, first.pages) == (5, True, 3)
    assert [s.id for s in first.items] == ["1", "2"]
    last = await catalog.search(db, "likes", 9, per_page=2)
    assert (last.page, [s.id for s in last.items]) == (2, ["5"])
    exact = await catalog.search(db, "7", 0, per_page=2)  # the id first, then "... 17"
    assert [s.id for s in exact.items] == ["7", "17"] and not exact.more
    few = await catalog.search(db, "pack 2", 0, per_page=10)  # 2, 12, 20, 21, 22, 23
    assert (few.total, few.more, len(few.items)) == (5, True, 5)
    one = await catalog.search(db, "PACK 22", 0)
    assert (one.total, one.more, [s.id for s in one.items]) == (1, False, ["22"])


# --------------------------------------------------------------------------- counts


async def _counts(db: Database) -> dict[str, int]:
    return {c.name: c.count for c in (await catalog.list_categories(db, 0, per_page=50)).items}


async def test_category_counts_follow_sync_hide_and_show(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    """The category list reads counts kept at sync time and on hide/show; they always
    equal the offered services a category page lists."""
    await catalog.sync(db, client)
    before = await _counts(db)
    for category in (await catalog.list_categories(db, 0, per_page=50)).items:
        listed = await catalog.list_services(db, category.id, 0, per_page=100)
        assert listed.total == len(listed.items) == category.count
    tg = next(c for c in (await catalog.list_categories(db, 0)).items if c.name == TG)

    assert await catalog_admin.set_hidden(db, 1, "17", True) is True
    assert (await _counts(db))[TG] == before[TG] - 1
    category = await catalog.get_category(db, tg.id)
    assert category is not None and category.count == before[TG] - 1
    assert (await catalog.list_services(db, tg.id, 0)).total == before[TG] - 1
    assert await catalog_admin.set_hidden(db, 1, "17", True) is False
    assert await catalog_admin.set_hidden(db, 1, "17", False) is True
    assert await _counts(db) == before

    in_tg = [s["service"] for s in fake_panel.services if s["category"] == TG]
    fake_panel.services = [s for s in fake_panel.services if s["service"] != in_tg[0]]
    fake_panel.services.append(_svc(90, "New", "Default", "Brand New", "1", 1, 9))
    await catalog.sync(db, client)
    after = await _counts(db)
    assert after[TG] == before[TG] - 1 and after["Brand New"] == 1
    fake_panel.services = [s for s in fake_panel.services if s["category"] != TG]
    await catalog.sync(db, client)
    assert TG not in await _counts(db)


# --------------------------------------------------------------------------- absurd entries


def _entry(sid: object, **fields: object) -> dict[str, object]:
    entry: dict[str, object] = {"service": sid, "name": f"Svc {sid}", "type": "Default"}
    entry.update(category=TG, rate="1.5", min="10", max="1000")
    entry.update(fields)
    return entry


# (service id, field overrides): each one alone used to roll the whole sync back, or to
# hang it (int() of 1e999999999), or to make the answer unreadable (a NaN literal).
ABSURD: list[tuple[str, dict[str, object]]] = [
    ("101", {"rate": "10000000000000"}),  # 1e13: 1e19 micro-units, past 64 bits
    ("102", {"rate": Decimal("1E+13")}),
    ("103", {"max": "9223372036854775808"}),  # 2^63
    ("104", {"min": Decimal("1" + "0" * 30), "max": Decimal("1" + "0" * 31)}),
    ("105", {"rate": "-1"}),
    ("106", {"min": "-5"}),
    ("107", {"rate": "NaN"}),
    ("108", {"rate": "Infinity"}),
    ("109", {"rate": Decimal("NaN")}),  # a bare NaN literal in the JSON
    ("110", {"max": Decimal("9" * 5000)}),  # longer than int() accepts
    ("111", {"min": "1e999999999"}),
    ("112", {"rate": "1e999999999999"}),
    ("113", {"rate": Decimal("-Infinity")}),
    ("114", {"min": "100", "max": "10"}),
]


async def test_absurd_entries_are_skipped_one_by_one_and_the_rest_syncs(
    db: Database, client: PanelClient, fake_panel: FakePanel, caplog: pytest.LogCaptureFixture
) -> None:
    await catalog.sync(db, client)
    rendered = [fake_panel._render_service(s) for s in fake_panel.services]
    rendered[1]["rate"] = "0.0720"  # a real price change that must not be lost
    bad = [_entry(sid, **fields) for sid, fields in ABSURD]
    bad.append(_entry("115", name="Broken \ud800 name", rate="2"))  # stored with U+FFFD
    bad.append({"name": "no id at all", "rate": "1", "min": 1, "max": 2})
    fake_panel.services_override = [*rendered[:5], *bad, *rendered[5:]]

    with caplog.at_level(logging.WARNING):
        report = await catalog.sync(db, client)

    assert report.total == 18  # the 17 good ones and 115
    assert report.price_changes == [("2", "IG Likes", 36_000, 72_000)]
    assert (await _row(db, "2"))["rate"] == 72_000
    assert report.added == ["115"] and report.removed == []
    assert (await _row(db, "115"))["name"] == "Broken \ufffd name"
    skipped = {entry.service_id: entry for entry in report.skipped}
    assert set(skipped) == {sid for sid, _ in ABSURD} | {"entry #21"}
    assert skipped["101"].name == "Svc 101"
    assert "rate" in skipped["101"].reason and "range" in skipped["101"].reason
    assert "min" in skipped["114"].reason
    assert skipped["entry #21"].name == "no id at all"
    assert all(entry.reason and len(entry.reason) <= 200 for entry in report.skipped)
    assert await db.fetchval("SELECT COUNT(*) FROM services WHERE CAST(id AS INTEGER) > 100") == 1
    assert "15 panel services skipped" in caplog.text


async def test_a_listed_service_that_turns_absurd_is_unavailable_not_removed(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    await catalog.sync(db, client)
    rendered = [fake_panel._render_service(s) for s in fake_panel.services]
    rendered[0]["rate"] = "10000000000000"
    fake_panel.services_override = rendered
    report = await catalog.sync(db, client)
    assert [e.service_id for e in report.skipped] == ["1"]
    assert report.removed == [] and report.total == 16
    row = await _row(db, "1")
    assert row["available"] == 0 and row["rate"] == 900_000  # never sold at a stale price
    fake_panel.services_override = None
    back = await catalog.sync(db, client)
    assert back.restored == ["1"] and back.skipped == []


async def test_sync_raises_only_panel_errors_for_bad_answers(
    db: Database, client: PanelClient, fake_panel: FakePanel
) -> None:
    await catalog.sync(db, client)
    for body in ("[" * 100_000, '{"services": 5}', "null", "<html>", '"text"'):
        fake_panel.services_override = None
        fake_panel.raw_answer(200, body, actions={"services"})
        with pytest.raises(PanelError):
            await catalog.sync(db, client)
    assert await db.fetchval("SELECT COUNT(*) FROM services WHERE available = 1") == 17
