"""Languages: the user's saved choice, else Telegram's language_code, else DEFAULT_LANGUAGE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram.types import User as TgUser
from aiogram_i18n import I18nMiddleware
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.managers import BaseManager
from fluent.runtime import FluentBundle
from fluent.runtime.types import fluent_number
from fluent.syntax import FluentParser

from bot import locale_memory
from bot.config import SUPPORTED_LANGUAGES
from bot.db import Database
from bot.services import users
from bot.services.users import User

LOCALES_PATH = Path(__file__).resolve().parent.parent / "locales"


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


PLACEABLE_LIMIT = 2500  # fluent.runtime.resolver.MAX_PART_LENGTH


class ShopCore(FluentRuntimeCore):
    """Fluent groups digits by locale, which suits amounts and counts ("50,000", "50 000")
    but not identifiers: an order id must read "#23501". Placeholders named `id` or `*_id`
    are shown without grouping (and stay numbers, so plural forms keep working)."""

    def get(self, message_id: str, locale: str | None = None, /, **kwargs: Any) -> str:
        for name, value in kwargs.items():
            if (name == "id" or name.endswith("_id")) and type(value) is int:
                kwargs[name] = fluent_number(value, useGrouping=False)
            elif isinstance(value, str) and len(value) > PLACEABLE_LIMIT:
                # Fluent refuses (raises on) a placeable over 2500 characters: a panel's
                # kilobyte-long service name or a long list must be cut, not crash the update.
                kwargs[name] = value[: PLACEABLE_LIMIT - 1] + "…"
        return super().get(message_id, locale, **kwargs)

    def find_locales(self) -> dict[str, FluentBundle]:
        """aiogram-i18n's loading, with two differences that change no text: the files are
        parsed without source positions (a Span object per syntax node, 18,000 of them,
        kept by the compiled messages: tooling needs them, formatting does not), and what
        formatting never reads is let go once every message is compiled (locale_memory)."""
        parser = FluentParser(with_spans=False)
        bundles: dict[str, FluentBundle] = {}
        found = self._find_locales(self.path, self._extract_locales(self.path), ".ftl")
        for locale, paths in found.items():
            bundle = FluentBundle(
                locales=[locale], use_isolating=self.use_isolating, functions=self.functions
            )
            for path in paths:
                bundle.add_resource(parser.parse(path.read_text(encoding="utf-8")))
            locale_memory.compile_all(bundle)
            bundles[locale] = bundle
        locale_memory.trim(bundles.values())
        return bundles


def make_core(default_language: str, path: Path = LOCALES_PATH) -> FluentRuntimeCore:
    return ShopCore(path=path / "{locale}", default_locale=default_language)


def make_i18n_middleware(default_language: str, path: Path = LOCALES_PATH) -> I18nMiddleware:
    return I18nMiddleware(
        core=make_core(default_language, path),
        manager=UserLocaleManager(default_locale=default_language),
        default_locale=default_language,
    )
