""" "Favourites": the star on a service card and the paged list (main menu, /favourites).

A favourite whose service left the catalog stays listed, marked unavailable; its card has
no Order button (and ordering re-checks the service in any case).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import alert, show_for
from bot.keyboards import catalog as kb
from bot.keyboards.catalog import FavCb
from bot.keyboards.menu import MenuCb
from bot.services import catalog, favourites
from bot.services.users import User
from bot.views import catalog as views

router = Router(name="favourites")


async def favourites_screen(
    i18n: I18nContext, db: Database, user: User, settings: Settings, page: int = 0
) -> tuple[str, Any]:
    """A page of the user's favourites (the menu button, /favourites, a page button)."""
    result = await favourites.list_page(db, user.id, page, default_markup=settings.markup_percent)
    money = await catalog.currency(db)
    return views.favourites_page(i18n, result), kb.favourites_keyboard(i18n, result, money)


@router.callback_query(MenuCb.filter(F.action == "favourites"))
async def cb_favourites(
    query: CallbackQuery, i18n: I18nContext, db: Database, user: User, settings: Settings
) -> None:
    await show_for(query, *await favourites_screen(i18n, db, user, settings))


@router.callback_query(FavCb.filter(F.action == "list"))
async def cb_favourites_page(
    query: CallbackQuery,
    callback_data: FavCb,
    i18n: I18nContext,
    db: Database,
    user: User,
    settings: Settings,
) -> None:
    await show_for(query, *await favourites_screen(i18n, db, user, settings, callback_data.page))


async def _show_card(
    query: CallbackQuery,
    callback_data: FavCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    user: User,
    settings: Settings,
) -> bool:
    """The service card with its star as it is now and Back to where it was opened from;
    False (and an alert) when the service is gone."""
    service = await catalog.get_service(
        db, callback_data.service_id, default_markup=settings.markup_percent
    )
    if service is None:
        alert(callback_answer, i18n.get("catalog-service-gone"))
        return False
    favourite = await favourites.is_favourite(db, user.id, service.id)
    star = kb.star_data(service.id, favourite=favourite, origin=callback_data)
    markup = kb.card_keyboard(i18n, service, kb.fav_back_data(callback_data), star)
    await show_for(query, views.service_card(i18n, service, await catalog.currency(db)), markup)
    return True


@router.callback_query(FavCb.filter(F.action == "card"))
async def cb_favourite_card(
    query: CallbackQuery,
    callback_data: FavCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    user: User,
    settings: Settings,
) -> None:
    await _show_card(query, callback_data, callback_answer, i18n, db, user, settings)


@router.callback_query(FavCb.filter(F.action.in_({"add", "remove"})))
async def cb_star(
    query: CallbackQuery,
    callback_data: FavCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
    user: User,
    settings: Settings,
) -> None:
    """The star: add or remove (idempotent: a repeated press keeps what it says), then the
    card again with the star turned."""
    adding = callback_data.action == "add"
    try:
        now = await favourites.set_favourite(db, user.id, callback_data.service_id, adding)
    except favourites.TooManyFavourites:
        alert(callback_answer, i18n.get("favourites-full", max=favourites.MAX_FAVOURITES))
        return
    if adding and not now:
        alert(callback_answer, i18n.get("catalog-service-gone"))
        return
    if await _show_card(query, callback_data, callback_answer, i18n, db, user, settings):
        callback_answer.text = i18n.get("favourites-added" if now else "favourites-removed")
