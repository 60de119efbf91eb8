"""The catalog's keyboards are cached by what they show: the same page is built once, a
change in anything shown (a price, a name, a count, the language) builds a new one."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from aiogram_i18n import I18nContext

import bot.keyboards.catalog as kb
from bot.i18n import UserLocaleManager
from bot.services.catalog import CategoryView, Page, ServiceView
from bot.texts import make_core


async def _i18n(locale: str) -> I18nContext:
    core = make_core("en")
    await core.startup()
    manager = UserLocaleManager(default_locale="en")
    return I18nContext(locale=locale, core=core, manager=manager, data={})


def _service(n: int, price: int = 1_500_000) -> ServiceView:
    return ServiceView(
        id=str(n), name=f"Likes {n}", category_id=5, category="Instagram", description="d" * 500,
        kind="Default", rate_micros=1_000_000, unit_price=price, markup=Decimal(0), min_qty=10,
        max_qty=1000, dripfeed=False, refill=False, cancel=False, average_time=None,
        is_package=False, offered=True,
    )  # fmt: skip


def _texts(markup: object) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]


async def test_a_page_is_built_once_and_rebuilt_when_what_it_shows_changes() -> None:
    en, ru = await _i18n("en"), await _i18n("ru")
    page = Page(items=[_service(1), _service(2)], page=0, pages=2, total=12)
    first = kb.services_keyboard(en, 5, page, "USD")
    assert kb.services_keyboard(en, 5, Page(items=[_service(1), _service(2)], page=0, pages=2,
                                            total=12), "USD") is first  # fmt: skip
    # the description is not shown: a new one does not rebuild
    changed_text = Page(items=[replace(_service(1), description="x"), _service(2)], page=0,
                        pages=2, total=12)  # fmt: skip
    assert kb.services_keyboard(en, 5, changed_text, "USD") is first
    repriced = Page(items=[_service(1, price=2_000_000), _service(2)], page=0, pages=2, total=12)
    new = kb.services_keyboard(en, 5, repriced, "USD")
    assert new is not first and any("2.00" in t for t in _texts(new))
    assert not any("2.00" in t for t in _texts(first))
    assert kb.services_keyboard(ru, 5, page, "USD") is not first  # another language
    assert kb.services_keyboard(en, 6, page, "USD") is not first  # another category
    assert kb.search_keyboard(en, page, "USD") is not first  # search buttons differ

    cats = Page(items=[CategoryView(1, "Instagram", 10)], page=0, pages=1, total=1)
    listed = kb.categories_keyboard(en, cats)
    recounted = Page(items=[CategoryView(1, "Instagram", 11)], page=0, pages=1, total=1)
    assert kb.categories_keyboard(en, recounted) is not listed


async def test_the_cache_is_bounded() -> None:
    en = await _i18n("en")
    for n in range(kb.CACHED_KEYBOARDS + 50):
        kb.services_keyboard(en, 5, Page(items=[_service(n)], page=0, pages=1, total=1), "USD")
    assert len(kb._keyboards) == kb.CACHED_KEYBOARDS
