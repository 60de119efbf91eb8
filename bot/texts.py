"""The bot's texts: the Fluent files of every language, loaded into aiogram-i18n's core.

Kept apart from bot.i18n (the language choice, which reads users from the database) so
that `python -m bot` can load the texts before it imports the rest of the bot (`load_texts`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram_i18n.cores import FluentRuntimeCore
from fluent.runtime import FluentBundle
from fluent.runtime.types import fluent_number
from fluent.syntax import FluentParser

from bot import locale_memory

LOCALES_PATH = Path(__file__).resolve().parent.parent / "locales"

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

    def load(self) -> ShopCore:
        """Build the texts now rather than at the dispatcher's start-up (see `load_texts`)."""
        self.locales.update(self.find_locales())
        return self

    async def startup(self) -> None:
        if not self.locales:  # not loaded beforehand
            await super().startup()

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


def make_core(default_language: str, path: Path = LOCALES_PATH) -> ShopCore:
    return ShopCore(path=path / "{locale}", default_locale=default_language)


def load_texts(default_language: str) -> ShopCore:
    """The bot's texts, built now: `python -m bot` calls this before it imports the rest of
    the bot, and hands the result to `build_dispatcher`.

    Building them reads about 7 MB that is let go at once (Babel's data, Fluent's syntax
    trees: see locale_memory) for 1.6 MB kept. Python's allocator gives memory back to the
    system only in whole 1 MiB arenas, and the kept objects land among the freed ones: built
    after every module is imported, as the dispatcher's start-up would, the holes stay, 9 MB
    of RSS for the 1.6 MB (tests/benchmarks/bench_rss.py). Built first, the modules imported
    after fill the holes: 1.6 MB."""
    return make_core(default_language).load()
