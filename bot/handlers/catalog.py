"""The catalog: categories, a category's services, the service card and search.

Included last in the private router: its final handler treats any plain text that no one
else wanted (no state, not a command) as a search.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import alert, show_for
from bot.keyboards import catalog as kb
from bot.keyboards.catalog import CatCb, CatNoopCb, SearchPageCb, SvcCb, SvcListCb
from bot.keyboards.menu import MenuCb, home_button
from bot.services import catalog, favourites
from bot.services.user_text import clean_line
from bot.services.users import User
from bot.states import SearchDialog
from bot.text import shorten
from bot.views import catalog as views

router = Router(name="catalog")  # the search typed as text: after every dialog
# The catalog's buttons: the most pressed in the shop, and no other router takes their
# data, so they are tried early (handlers/__init__.py).
browse = Router(name="catalog-browse")

QUERY_KEY = "catalog_query"
SHOWN_QUERY_CHARS = 60


def _shown_query(text: str) -> str:
    return shorten(text, SHOWN_QUERY_CHARS, one_line=True)


# --------------------------------------------------------------------------- screens


async def _categories(db: Database, i18n: I18nContext, page: int) -> tuple[str, Any]:
    result = await catalog.list_categories(db, page)
    if result.total == 0:
        return i18n.get("catalog-empty"), home_button(i18n)
    return i18n.get("catalog-categories", total=result.total), kb.categories_keyboard(i18n, result)


async def _services(
    db: Database, i18n: I18nContext, settings: Settings, category_id: int, page: int
) -> tuple[str, Any]:
    category = await catalog.get_category(db, category_id)
    result = await catalog.list_services(
        db, category_id, page, default_markup=settings.markup_percent
    )
    if category is None or result.total == 0:
        return i18n.get("catalog-category-empty"), kb.categories_keyboard(
            i18n, await catalog.list_categories(db, 0)
        )
    money = await catalog.currency(db)
    text = i18n.get("catalog-services", category=category.name, total=result.total)
    return text, kb.services_keyboard(i18n, category_id, result, money)


async def _search_answer(
    db: Database, i18n: I18nContext, settings: Settings, query: str, page: int
) -> tuple[str, Any]:
    result = await catalog.search(db, query, page, default_markup=settings.markup_percent)
    shown = _shown_query(query)
    if result.total == 0:
        return i18n.get("catalog-search-none", query=shown), kb.no_results_keyboard(i18n)
    money = await catalog.currency(db)
    key = "catalog-search-many" if result.more else "catalog-search-results"
    text = i18n.get(key, query=shown, total=result.total)
    return text, kb.search_keyboard(i18n, result, money)


# --------------------------------------------------------------------------- browsing


@browse.callback_query(MenuCb.filter(F.action == "catalog"))
async def cb_catalog(
    query: CallbackQuery, i18n: I18nContext, db: Database, state: FSMContext
) -> None:
    if await state.get_state() == SearchDialog.query.state:
        await state.set_state(None)
    await show_for(query, *await _categories(db, i18n, 0))


@browse.callback_query(CatCb.filter())
async def cb_categories(
    query: CallbackQuery, callback_data: CatCb, i18n: I18nContext, db: Database
) -> None:
    await show_for(query, *await _categories(db, i18n, callback_data.page))


@browse.callback_query(SvcListCb.filter())
async def cb_services(
    query: CallbackQuery,
    callback_data: SvcListCb,
    i18n: I18nContext,
    db: Database,
    settings: Settings,
) -> None:
    text, markup = await _services(
        db, i18n, settings, callback_data.category_id, callback_data.page
    )
    await show_for(query, text, markup)


@browse.callback_query(SvcCb.filter())
async def cb_service(
    query: CallbackQuery,
    callback_data: SvcCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    settings: Settings,
    user: User,
) -> None:
    service = await catalog.get_service(
        db, callback_data.service_id, default_markup=settings.markup_percent
    )
    if service is None:
        alert(callback_answer, i18n.get("catalog-service-gone"))
        return
    money = await catalog.currency(db)
    back = kb.back_data(callback_data)
    favourite = await favourites.is_favourite(db, user.id, service.id)
    star = kb.star_data(service.id, favourite=favourite, origin=callback_data)
    await show_for(
        query, views.service_card(i18n, service, money), kb.card_keyboard(i18n, service, back, star)
    )


@browse.callback_query(CatNoopCb.filter())
async def cb_noop(query: CallbackQuery) -> None:
    """The page counter: nothing to do (the callback is answered by the middleware)."""


# --------------------------------------------------------------------------- search


@browse.callback_query(MenuCb.filter(F.action == "search"))
async def cb_search(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await state.set_state(SearchDialog.query)
    await show_for(query, i18n.get("catalog-search-prompt"), kb.search_prompt_keyboard(i18n))


@browse.callback_query(SearchPageCb.filter())
async def cb_search_page(
    query: CallbackQuery,
    callback_data: SearchPageCb,
    i18n: I18nContext,
    db: Database,
    settings: Settings,
    state: FSMContext,
) -> None:
    words = (await state.get_data()).get(QUERY_KEY)
    if not isinstance(words, str) or not words.strip():
        await state.set_state(SearchDialog.query)
        await show_for(query, i18n.get("catalog-search-expired"), kb.search_prompt_keyboard(i18n))
        return
    await show_for(query, *await _search_answer(db, i18n, settings, words, callback_data.page))


async def _run_search(
    message: Message,
    text: str,
    i18n: I18nContext,
    db: Database,
    settings: Settings,
    state: FSMContext,
) -> None:
    # What the user sees of it: no lone surrogates (SQLite cannot encode them), controls or
    # invisible characters; nothing visible left is no query at all.
    words = clean_line(text)[: catalog.MAX_QUERY_CHARS].strip()
    if not words or not catalog.query_words(words):
        await state.set_state(SearchDialog.query)
        await message.answer(
            i18n.get("catalog-search-prompt"), reply_markup=kb.search_prompt_keyboard(i18n)
        )
        return
    await state.set_state(None)
    await state.update_data({QUERY_KEY: words})
    text_out, markup = await _search_answer(db, i18n, settings, words, 0)
    await message.answer(text_out, reply_markup=markup)


@router.message(SearchDialog.query, F.text, ~F.text.startswith("/"))
async def msg_search_query(
    message: Message, i18n: I18nContext, db: Database, settings: Settings, state: FSMContext
) -> None:
    await _run_search(message, message.text or "", i18n, db, settings, state)


@router.message(SearchDialog.query)
async def msg_search_not_text(message: Message, i18n: I18nContext) -> None:
    await message.answer(
        i18n.get("catalog-search-prompt"), reply_markup=kb.search_prompt_keyboard(i18n)
    )


@router.message(StateFilter(None), F.text, ~F.text.startswith("/"))
async def msg_free_text_search(
    message: Message, i18n: I18nContext, db: Database, settings: Settings, state: FSMContext
) -> None:
    """Plain text outside any dialog is a search: the quickest way to a service."""
    await _run_search(message, message.text or "", i18n, db, settings, state)
