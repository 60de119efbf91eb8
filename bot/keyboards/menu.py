from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from bot.config import SUPPORTED_LANGUAGES


class MenuCb(CallbackData, prefix="m"):
    """Main-menu destinations: catalog, search, favourites, mass (order), orders, balance,
    support, language, help, home."""

    action: str


class LangCb(CallbackData, prefix="lang"):
    code: str


MENU_ITEMS = (
    "catalog",
    "search",
    "favourites",
    "mass",
    "orders",
    "balance",
    "support",
    "language",
    "help",
)


def main_menu(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in MENU_ITEMS:
        builder.button(text=i18n.get(f"menu-{action}"), callback_data=MenuCb(action=action))
    builder.adjust(2)
    return builder.as_markup()


def home_button(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n.get("menu-home"), callback_data=MenuCb(action="home"))
    return builder.as_markup()


def language_menu(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LANGUAGES:
        builder.button(text=i18n.get(f"language-name-{code}"), callback_data=LangCb(code=code))
    builder.button(text=i18n.get("menu-home"), callback_data=MenuCb(action="home"))
    builder.adjust(len(SUPPORTED_LANGUAGES), 1)
    return builder.as_markup()
