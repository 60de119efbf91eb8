"""Languages: the user's saved choice, else Telegram's language_code, else DEFAULT_LANGUAGE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram.types import User as TgUser
from aiogram_i18n import I18nMiddleware
from aiogram_i18n.managers import BaseManager

from bot.config import SUPPORTED_LANGUAGES
from bot.db import Database
from bot.services import users
from bot.services.users import User
from bot.texts import LOCALES_PATH, ShopCore, make_core


def pick_language(saved: str | None, telegram_code: str | None, default: str) -> str:
    if saved in SUPPORTED_LANGUAGES:
        return saved
    if telegram_code:
        code = telegram_code.lower().split("-")[0].split("_")[0]
        if code in SUPPORTED_LANGUAGES:
            return code
    return default


class UserLocaleManager(BaseManager):
    """Reads the language from the user row that UserMiddleware put in the data."""

    async def get_locale(
        self,
        user: User | None = None,
        event_from_user: TgUser | None = None,
        **_: Any,
    ) -> str:
        default = self.default_locale or SUPPORTED_LANGUAGES[0]
        if user is not None:
            return pick_language(user.language, user.tg_language, default)
        code = event_from_user.language_code if event_from_user else None
        return pick_language(None, code, default)

    async def set_locale(
        self, locale: str, db: Database, user: User | None = None, **_: Any
    ) -> None:
        if user is not None:
            await users.set_language(db, user.id, locale)


def make_i18n_middleware(
    default_language: str, path: Path = LOCALES_PATH, core: ShopCore | None = None
) -> I18nMiddleware:
    """`core`: texts already loaded (`load_texts`), else they load at the dispatcher's start-up."""
    return I18nMiddleware(
        core=core or make_core(default_language, path),
        manager=UserLocaleManager(default_locale=default_language),
        default_locale=default_language,
    )
