"""Keyboards of the catalog: categories, a category's services, search results, the card.

Callback data carries page numbers and ids only. A price is never read from a button: the
handler re-reads the service on every press.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from bot.keyboards.builder import FastInlineBuilder
from bot.keyboards.fields import PageNo, RowId
from bot.keyboards.menu import MenuCb
from bot.keyboards.order_dialog import OrderStartCb
from bot.money import format_amount
from bot.services.catalog import CategoryView, Page, ServiceView
from bot.services.favourites import Favourite
from bot.text import shorten

log = logging.getLogger(__name__)

CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
BUTTON_NAME_CHARS = 48
# catalog keyboards kept, newest used last: about 10 kB each (a dozen pydantic buttons),
# so about 1.3 MB when full
CACHED_KEYBOARDS = 128
_keyboards: OrderedDict[Hashable, InlineKeyboardMarkup] = OrderedDict()


def _cached(key: Hashable, build: Callable[[], InlineKeyboardMarkup]) -> InlineKeyboardMarkup:
    """The catalog's keyboards are a function of what they show (names, counts, prices,
    page numbers) and the reader's language: most presses ask for one seen before, and
    building one is the costliest part of the press after the Bot API calls (a Fluent text,
    a price formatted and a pydantic button per row). The key holds everything the keyboard
    shows, so a change in the catalog or a price is a new key, never a stale keyboard; a
    markup is only serialised when sent, never changed, so sharing it is safe."""
    markup = _keyboards.get(key)
    if markup is not None:
        _keyboards.move_to_end(key)
        return markup
    markup = _keyboards[key] = build()
    while len(_keyboards) > CACHED_KEYBOARDS:
        _keyboards.popitem(last=False)
    return markup


class CatCb(CallbackData, prefix="cat"):
    """A page of the category list."""

    page: PageNo = 0


class SvcListCb(CallbackData, prefix="cs"):
    """A page of one category's services."""

    category_id: RowId
    page: PageNo = 0


class SvcCb(CallbackData, prefix="sv"):
    """A service card. Back goes to the search page when `search` is set, else to the
    category's page."""

    service_id: str
    category_id: RowId = 0
    page: PageNo = 0
    search: bool = False


class SearchPageCb(CallbackData, prefix="sp"):
    """A page of the last search; the query itself is in the FSM data (it may be long)."""

    page: PageNo = 0


class FavCb(CallbackData, prefix="fv"):
    """Favourites. action: list (a page) | card (a favourite's card) | add | remove (the
    star on a card). A card remembers where its Back leads: the favourites page `page`
    when `from_list`, else the catalog page of `SvcCb` (category_id, page, search)."""

    action: str
    service_id: str = ""
    page: PageNo = 0
    category_id: RowId = 0
    search: bool = False
    from_list: bool = False


class CatNoopCb(CallbackData, prefix="cnop"):
    """The page counter between prev and next: pressing it does nothing."""


def _fits(data: CallbackData) -> str | None:
    """The packed data, or None when a panel id makes it unusable (too long, or holding
    the separator): such a service gets no button rather than a crash."""
    try:
        packed = data.pack()
    except ValueError:
        return None
    return packed if len(packed.encode()) <= CALLBACK_LIMIT else None


def short(text: str, limit: int = BUTTON_NAME_CHARS) -> str:
    return shorten(text, limit, one_line=True)


def price_label(i18n: I18nContext, service: ServiceView, currency: str) -> str:
    price = format_amount(service.unit_price, currency, i18n.locale)
    key = "catalog-price-per-package" if service.is_package else "catalog-price-per-1000"
    return i18n.get(key, price=price)


def _nav(
    builder: InlineKeyboardBuilder,
    i18n: I18nContext,
    page: Page[Any],
    to_page: Callable[[int], CallbackData],
) -> None:
    """Previous / "page n of m" / next, for a list of more than one page."""
    if page.pages <= 1:
        return
    row: list[InlineKeyboardButton] = []
    if page.has_prev:
        row.append(
            InlineKeyboardButton(
                text=i18n.get("catalog-prev"), callback_data=to_page(page.page - 1).pack()
            )
        )
    row.append(
        InlineKeyboardButton(
            text=i18n.get("catalog-page", page=page.page + 1, pages=page.pages),
            callback_data=CatNoopCb().pack(),
        )
    )
    if page.has_next:
        row.append(
            InlineKeyboardButton(
                text=i18n.get("catalog-next"), callback_data=to_page(page.page + 1).pack()
            )
        )
    builder.row(*row)


def _page_key(page: Page[Any]) -> tuple[Any, ...]:
    """What a page's keyboard shows of its items (not the whole rows: a service's
    description would stay alive in the cache for nothing)."""
    shown = tuple(
        (item.id, item.name, item.count)
        if isinstance(item, CategoryView)
        else (item.id, item.name, item.unit_price, item.is_package)
        for item in page.items
    )
    return (shown, page.page, page.pages)


def categories_keyboard(i18n: I18nContext, page: Page[CategoryView]) -> InlineKeyboardMarkup:
    key = ("categories", i18n.locale, _page_key(page))
    return _cached(key, lambda: _categories_keyboard(i18n, page))


def _categories_keyboard(i18n: I18nContext, page: Page[CategoryView]) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    for category in page.items:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get(
                    "catalog-category-button", name=short(category.name), count=category.count
                ),
                callback_data=SvcListCb(category_id=category.id).pack(),
            )
        )
    _nav(builder, i18n, page, lambda n: CatCb(page=n))
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("catalog-search-button"), callback_data=MenuCb(action="search").pack()
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()


def _service_buttons(
    builder: InlineKeyboardBuilder,
    i18n: I18nContext,
    services: list[ServiceView],
    currency: str,
    *,
    category_id: int,
    page: int,
    search: bool,
) -> None:
    for service in services:
        data = _fits(
            SvcCb(service_id=service.id, category_id=category_id, page=page, search=search)
        )
        if data is None:
            log.warning("service id %r cannot go in a button; not shown", service.id[:80])
            continue
        text = i18n.get(
            "catalog-service-button",
            name=short(service.name),
            price=price_label(i18n, service, currency),
        )
        builder.row(InlineKeyboardButton(text=text, callback_data=data))


def services_keyboard(
    i18n: I18nContext, category_id: int, page: Page[ServiceView], currency: str
) -> InlineKeyboardMarkup:
    key = ("services", i18n.locale, currency, category_id, _page_key(page))
    return _cached(key, lambda: _services_keyboard(i18n, category_id, page, currency))


def _services_keyboard(
    i18n: I18nContext, category_id: int, page: Page[ServiceView], currency: str
) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    _service_buttons(
        builder, i18n, page.items, currency, category_id=category_id, page=page.page, search=False
    )
    _nav(builder, i18n, page, lambda n: SvcListCb(category_id=category_id, page=n))
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("catalog-back-categories"), callback_data=CatCb(page=0).pack()
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()


def search_keyboard(
    i18n: I18nContext, page: Page[ServiceView], currency: str
) -> InlineKeyboardMarkup:
    key = ("search", i18n.locale, currency, _page_key(page))
    return _cached(key, lambda: _search_keyboard(i18n, page, currency))


def _search_keyboard(
    i18n: I18nContext, page: Page[ServiceView], currency: str
) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    _service_buttons(
        builder, i18n, page.items, currency, category_id=0, page=page.page, search=True
    )
    _nav(builder, i18n, page, lambda n: SearchPageCb(page=n))
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("catalog-search-again"), callback_data=MenuCb(action="search").pack()
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-catalog"), callback_data=MenuCb(action="catalog").pack()
        ),
    )
    builder.row(
        InlineKeyboardButton(text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack())
    )
    return builder.as_markup()


def no_results_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("menu-catalog"), callback_data=MenuCb(action="catalog").pack()
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()


def search_prompt_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    return no_results_keyboard(i18n)


def back_data(callback: SvcCb) -> CallbackData:
    """Where the card's Back button leads."""
    if callback.search:
        return SearchPageCb(page=callback.page)
    if callback.category_id:
        return SvcListCb(category_id=callback.category_id, page=callback.page)
    return CatCb(page=0)


def star_data(service_id: str, *, favourite: bool, origin: SvcCb | FavCb) -> FavCb:
    """The star of a card opened by `origin` (a catalog button or a favourites one):
    remove when the service is a favourite, else add; the card keeps its Back."""
    action = "remove" if favourite else "add"
    if isinstance(origin, FavCb):
        return FavCb(action=action, service_id=service_id, page=origin.page,
                     category_id=origin.category_id, search=origin.search,
                     from_list=origin.from_list)  # fmt: skip
    return FavCb(action=action, service_id=service_id, page=origin.page,
                 category_id=origin.category_id, search=origin.search)  # fmt: skip


def fav_back_data(callback: FavCb) -> CallbackData:
    """Where Back leads on a card whose star (or favourites button) was `callback`."""
    if callback.from_list:
        return FavCb(action="list", page=callback.page)
    origin = SvcCb(service_id=callback.service_id, category_id=callback.category_id,
                   page=callback.page, search=callback.search)  # fmt: skip
    return back_data(origin)


def card_keyboard(
    i18n: I18nContext,
    service: ServiceView,
    back: CallbackData,
    star: FavCb | None = None,
) -> InlineKeyboardMarkup:
    """Order (when the service is offered), the star (add / remove), Back and Home."""
    builder = FastInlineBuilder()
    if service.offered:
        order = _fits(OrderStartCb(service_id=service.id))
        if order is not None:
            builder.row(
                InlineKeyboardButton(text=i18n.get("catalog-order-button"), callback_data=order)
            )
    star_packed = _fits(star) if star is not None else None
    if star is not None and star_packed is not None:
        key = "favourites-remove" if star.action == "remove" else "favourites-add"
        builder.row(InlineKeyboardButton(text=i18n.get(key), callback_data=star_packed))
    builder.row(
        InlineKeyboardButton(text=i18n.get("catalog-back"), callback_data=back.pack()),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()


def favourites_keyboard(
    i18n: I18nContext, page: Page[Favourite], currency: str
) -> InlineKeyboardMarkup:
    """One button a favourite (its price, or "unavailable"), paged like the catalog."""
    builder = FastInlineBuilder()
    for item in page.items:
        data = _fits(FavCb(action="card", service_id=item.service_id, page=page.page,
                           from_list=True))  # fmt: skip
        if data is None:
            continue
        if item.service is not None and item.offered:
            text = i18n.get(
                "catalog-service-button",
                name=short(item.service.name),
                price=price_label(i18n, item.service, currency),
            )
        else:
            name = item.service.name if item.service is not None else item.service_id
            text = i18n.get("favourites-unavailable-button", name=short(name))
        builder.row(InlineKeyboardButton(text=text, callback_data=data))
    _nav(builder, i18n, page, lambda n: FavCb(action="list", page=n))
    builder.row(
        InlineKeyboardButton(
            text=i18n.get("menu-catalog"), callback_data=MenuCb(action="catalog").pack()
        ),
        InlineKeyboardButton(
            text=i18n.get("menu-home"), callback_data=MenuCb(action="home").pack()
        ),
    )
    return builder.as_markup()
