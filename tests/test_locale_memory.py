"""bot/locale_memory.py: after start-up the bot keeps only the locale data its texts read,
and every text renders exactly as it did with all of it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import babel.core
import babel.dates
from aiogram_i18n.cores import FluentRuntimeCore
from babel import Locale, localedata
from fluent.syntax import FluentParser, Visitor
from fluent.syntax import ast as ftl

from bot import locale_memory
from bot.money import format_amount, format_number
from bot.texts import LOCALES_PATH, ShopCore, make_core

ARGS = (0, 1, 2, 5, 21, 1_234_567, Decimal("2.5"), "text")


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ftl.VariableReference) -> None:
        self.names.add(node.id.name)


def _messages() -> dict[str, set[str]]:
    """Every message of the English files with the variables it uses."""
    found: dict[str, set[str]] = {}
    for path in sorted((LOCALES_PATH / "en").glob("*.ftl")):
        for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
            if isinstance(entry, ftl.Message) and entry.value is not None:
                variables = _Variables()
                variables.visit(entry)
                found[entry.id.name] = variables.names
    return found


def _render_all(core: Any) -> dict[tuple[str, str, str], str]:
    texts = {}
    for name, variables in _messages().items():
        for language in ("en", "ru"):
            for value in ARGS:
                texts[name, language, repr(value)] = core.get(
                    name, language, **dict.fromkeys(variables, value)
                )
    for language in ("en", "ru"):
        for micros in (0, 5, 1_234_567_891, -98_765_432_100_001):
            texts["amount", language, str(micros)] = format_amount(micros, "USD", language)
        texts["number", language, ""] = format_number(1_234_567, language)
    return texts


def _fresh_babel() -> None:
    """Babel's caches as a new process has them (other tests may have trimmed them)."""
    localedata.clear_caches()
    babel.core._global_data = None


async def _started_core() -> Any:
    core = make_core("en")
    await core.startup()
    return core


class _AsLoadedByAiogramI18n(ShopCore):
    """The bot's core with aiogram-i18n's own loading (source positions kept, nothing let go)."""

    def find_locales(self) -> dict[str, Any]:
        return FluentRuntimeCore.find_locales(self)


async def test_every_text_renders_the_same_with_the_trimmed_data() -> None:
    _fresh_babel()
    original = _AsLoadedByAiogramI18n(path=LOCALES_PATH / "{locale}", default_locale="en")
    await original.startup()
    whole = _render_all(original)
    assert babel.core._global_data is not None  # what the untrimmed start-up loaded
    assert original.locales["en"]._messages["admin-cmd-help"].span is not None

    _fresh_babel()
    core = await _started_core()
    assert babel.core._global_data is None
    assert localedata._cache == {}
    for language in ("en", "ru"):
        wrapper = localedata._dict_cache[language]
        assert set(wrapper._data) <= locale_memory.KEPT, language
        bundle = core.locales[language]
        assert bundle.has_message("admin-cmd-help")
        assert all(entry is None for entry in bundle._messages.values())
    assert len(whole) > 5000
    assert _render_all(core) == whole
    # rendering read nothing beyond what is kept
    assert all(set(w._data) <= locale_memory.KEPT for w in localedata._dict_cache.values())


async def test_anything_else_babel_is_asked_loads_again() -> None:
    _fresh_babel()
    await _started_core()
    assert babel.core._global_data is None
    assert Locale.parse("en").territories["US"] == "United States"
    assert Locale.parse("ru").languages["en"] == "английский"
    assert babel.dates.format_date(datetime.date(2026, 12, 1), "long", locale="ru") == (
        "1 декабря 2026\u202fг."
    )
    assert babel.core.get_global("zone_aliases")  # the global data, read again
    assert babel.dates.format_date(datetime.date(2026, 12, 1), "long", locale="en_GB") == (
        "1 December 2026"
    )


def test_caches_of_another_shape_are_left_alone() -> None:
    class NotABundle:
        def __init__(self) -> None:
            self._messages = {"a": object()}

    bundle = NotABundle()
    assert locale_memory.trim([bundle]) is False
    assert bundle._messages["a"] is not None
