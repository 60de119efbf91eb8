"""The catalog through the real dispatcher, the fake Bot API and the fake panel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.keyboards.catalog import CatCb, SearchPageCb, SvcCb, SvcListCb
from bot.keyboards.menu import MenuCb
from bot.keyboards.order_dialog import OrderStartCb
from bot.services import catalog, catalog_search
from tests.fakes.panel import IG, TG, _svc
from tests.harness import BotHarness
from tests.helpers import last_shown


async def _category_id(h: BotHarness, name: str) -> int:
    value = await h.db.fetchval("SELECT id FROM categories WHERE name = ?", (name,))
    assert value is not None
    return int(value)


async def test_browse_category_card_and_order_button(harness: BotHarness) -> None:
    await harness.send("/start")
    calls = await harness.press(MenuCb(action="catalog"))
    assert any(c.method == "answerCallbackQuery" for c in calls)
    cats = last_shown(calls)
    assert cats.text is not None and "categories: 2" in cats.text
    ig = await _category_id(harness, IG)
    buttons = harness.buttons(cats)
    assert (f"{IG} (13)", SvcListCb(category_id=ig).pack()) in buttons
    assert (f"{TG} (4)", SvcListCb(category_id=await _category_id(harness, TG)).pack()) in buttons

    services = last_shown(await harness.press(SvcListCb(category_id=ig)))
    assert services.text is not None and services.text.startswith(f"📂 {IG}, services: 13.")
    texts = [t for t, _ in harness.buttons(services)]
    assert "IG Likes — 0.036 USD / 1000" in texts
    assert "IG Followers Package 1000 — 2.50 USD / package" in texts
    assert "Next ▶️" in texts and "◀️ Previous" not in texts  # first of two pages
    assert len([d for _, d in harness.buttons(services) if d.startswith("sv:")]) == 10

    card = last_shown(await harness.press(SvcCb(service_id="1", category_id=ig, page=0)))
    assert card.text is not None
    assert card.text.startswith("IG Followers [Refill 30d] (#1)")
    for line in (
        f"Category: {IG}",
        "Price: 0.90 USD per 1000",
        "Quantity: from 10 to 10,000",
        "Refill: yes",
        "Cancel: yes",
        "Drip-feed: available",
        "Average time: 35 min",
        "Fast start",
    ):
        assert line in card.text, line
    buttons = harness.buttons(card)
    assert ("🛒 Order", OrderStartCb(service_id="1").pack()) in buttons
    assert ("⬅️ Back", SvcListCb(category_id=ig, page=0).pack()) in buttons


async def test_service_pages_and_back(harness: BotHarness) -> None:
    ig = await _category_id(harness, IG)
    await harness.send("/start")
    second = last_shown(await harness.press(SvcListCb(category_id=ig, page=1)))
    data = [d for _, d in harness.buttons(second) if d.startswith("sv:")]
    assert len(data) == 3
    texts = [t for t, _ in harness.buttons(second)]
    assert "◀️ Previous" in texts and "Next ▶️" not in texts and "2 / 2" in texts
    card = last_shown(await harness.press(data[0]))
    assert ("⬅️ Back", SvcListCb(category_id=ig, page=1).pack()) in harness.buttons(card)
    # a forged page number shows the last page instead of failing
    forged = last_shown(await harness.press(SvcListCb(category_id=ig, page=999)))
    assert "2 / 2" in [t for t, _ in harness.buttons(forged)]


async def test_card_prices_come_from_the_database_with_markup(harness: BotHarness) -> None:
    await harness.db.execute("INSERT INTO kv (key, value) VALUES ('markup_percent', '50')")
    await harness.db.execute("INSERT INTO kv (key, value) VALUES ('currency', 'RUB')")
    await harness.send("/start")
    card = last_shown(await harness.press(SvcCb(service_id="3")))
    assert card.text is not None and "Price: 3.75 RUB per package" in card.text
    assert "Quantity" not in card.text


async def test_unavailable_service_has_no_order_button(harness: BotHarness) -> None:
    await harness.db.execute("UPDATE services SET hidden = 1 WHERE id = '17'")
    await harness.send("/start")
    card = last_shown(await harness.press(SvcCb(service_id="17")))
    assert card.text is not None and "not available" in card.text
    assert not [d for _, d in harness.buttons(card) if d.startswith("buy:")]

    calls = await harness.press(SvcCb(service_id="does-not-exist"))
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and "no longer exists" in answers[0].params.get("text", "")


async def test_search_dialog_and_free_text(harness: BotHarness) -> None:
    await harness.send("/start")
    prompt = last_shown(await harness.press(MenuCb(action="search")))
    assert prompt.text is not None and prompt.text.startswith("🔎 Send me a few words")

    found = last_shown(await harness.send("comments CUSTOM"))
    assert found.text == "🔎 “comments CUSTOM”, services found: 2."
    data = [d for _, d in harness.buttons(found) if d.startswith("sv:")]
    assert data == [
        SvcCb(service_id="4", search=True).pack(),
        SvcCb(service_id="5", search=True).pack(),
    ]
    card = last_shown(await harness.press(data[0]))
    assert ("⬅️ Back", SearchPageCb(page=0).pack()) in harness.buttons(card)
    back = last_shown(await harness.press(SearchPageCb(page=0)))
    assert back.text == "🔎 “comments CUSTOM”, services found: 2."

    # plain text with no dialog open is a search too; a bare id finds that service
    by_id = last_shown(await harness.send("17"))
    first = next(d for _, d in harness.buttons(by_id) if d.startswith("sv:"))
    assert first == SvcCb(service_id="17", search=True).pack()


async def test_search_no_results_and_commands_untouched(harness: BotHarness) -> None:
    await harness.send("/start")
    none = last_shown(await harness.send("zzz unicorn"))
    assert none.text is not None and none.text.startswith("Nothing found for “zzz unicorn”")
    assert "Try fewer or shorter words" in none.text
    assert MenuCb(action="catalog").pack() in [d for _, d in harness.buttons(none)]

    calls = await harness.send("/help")
    assert not any("Nothing found" in (c.text or "") for c in calls)


async def test_search_in_russian_and_paging(harness: BotHarness) -> None:
    harness.fake_panel.services = [
        _svc(i, f"Лайки пакет {i}", "Default", "Телеграм", "1", 1, 9) for i in range(1, 24)
    ]
    await catalog.sync(harness.db, harness.panel)
    await harness.send("/start", language_code="ru")
    first = last_shown(await harness.send("ЛАЙКИ", language_code="ru"))
    assert first.text == "🔎 «ЛАЙКИ», найдено услуг: 23."
    texts = [t for t, _ in harness.buttons(first)]
    assert "Следующая ▶️" in texts and "1 / 3" in texts
    third = last_shown(await harness.press(SearchPageCb(page=2), language_code="ru"))
    ids = [d for _, d in harness.buttons(third) if d.startswith("sv:")]
    assert ids == [SvcCb(service_id=str(i), page=2, search=True).pack() for i in (21, 22, 23)]


async def test_search_page_without_query_asks_again(harness: BotHarness) -> None:
    await harness.send("/start")
    shown = last_shown(await harness.press(SearchPageCb(page=1)))
    assert shown.text is not None and "expired" in shown.text
    found = last_shown(await harness.send("poll"))  # now in the search state
    assert found.text == "🔎 “poll”, services found: 1."


async def test_category_pages_and_empty_catalog(harness: BotHarness) -> None:
    harness.fake_panel.services = [
        _svc(i, f"Service {i}", "Default", f"Category {i:02d}", "1", 1, 9) for i in range(1, 24)
    ]
    await catalog.sync(harness.db, harness.panel)
    await harness.send("/start")
    first = last_shown(await harness.press(MenuCb(action="catalog")))
    names = [t for t, d in harness.buttons(first) if d.startswith("cs:")]
    assert names[0] == "Category 01 (1)" and len(names) == 10
    last = last_shown(await harness.press(CatCb(page=2)))
    assert [t for t, d in harness.buttons(last) if d.startswith("cs:")] == [
        "Category 21 (1)",
        "Category 22 (1)",
        "Category 23 (1)",
    ]

    harness.fake_panel.services = []
    await catalog.sync(harness.db, harness.panel)
    empty = last_shown(await harness.press(MenuCb(action="catalog")))
    assert empty.text is not None and "catalog is empty" in empty.text
    gone = last_shown(await harness.press(SvcListCb(category_id=1)))
    assert gone.text is not None and "nothing to offer" in gone.text


async def test_long_description_is_trimmed(harness: BotHarness) -> None:
    harness.fake_panel.services = [
        _svc(1, "Big", "Default", TG, "1", 1, 9, description="word " * 2000)
    ]
    await catalog.sync(harness.db, harness.panel)
    await harness.send("/start")
    card = last_shown(await harness.press(SvcCb(service_id="1")))
    assert card.ok and card.text is not None and len(card.text) <= 4096
    assert card.text.endswith("…")


async def test_startup_registers_catalog_sync(harness: BotHarness) -> None:
    assert "catalog-sync" in harness.supervisor.factories
    assert Decimal(harness.settings.catalog_refresh_seconds) > 0


async def test_search_reads_what_the_user_sees(harness: BotHarness) -> None:
    """Lone surrogates (SQLite cannot encode them), controls and invisible characters are
    not part of a search; with nothing visible left the search prompt comes back instead of
    "Nothing found for “”" (issue 9, 14b)."""
    await harness.send("/start")
    found = last_shown(await harness.send("\ud800poll\u200b\udfff\x07"))
    assert found.text == "🔎 “poll”, services found: 1."
    for text in ("\ud800", "\u200b\u2060 \ufeff", "\udfff\u3164"):
        shown = last_shown(await harness.send(text))
        assert shown.text is not None and shown.text.startswith("🔎 Send me a few words"), text
    assert await harness.db.fetchval("SELECT state FROM fsm") == "SearchDialog:query"
    shown = last_shown(await harness.send("\ud800\udfff"))  # within the search dialog
    assert shown.text is not None and shown.text.startswith("🔎 Send me a few words")
    assert harness.errors == []


async def test_broad_search_says_there_are_more(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search past catalog_search.CAP tells the user to narrow it, in their language."""
    monkeypatch.setattr(catalog_search, "CAP", 3)
    await harness.send("/start", language_code="ru")
    shown = last_shown(await harness.send("ig", language_code="ru"))
    assert shown.text is not None and "больше 3" in shown.text
    texts = [t for t, _ in harness.buttons(shown)]
    assert (
        "1 / 1" not in texts
        and len([d for _, d in harness.buttons(shown) if d.startswith("sv:")]) == 3
    )
