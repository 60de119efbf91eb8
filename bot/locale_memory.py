"""What the bot keeps of its locale data after start-up: what rendering its texts reads.

Building the Fluent bundles (one per language) leaves in memory, through Babel and Fluent,
much more than formatting a text ever reads again (measured with tracemalloc, en + ru):
- Babel's global data, 2.2 MB of objects (time zones, currencies and territories of the
  world), loaded only to look up whether a language has an unusual parent;
- each language's whole CLDR data merged with the root it inherits from, 1.2–1.4 MB each
  (names of languages, units, time zones, calendars...), of which a text reads its plural
  rule and the number symbols and patterns;
- Fluent's syntax tree of every message, 1.7 MB, kept beside the compiled messages that
  formatting actually uses.

`trim(bundles)` lets go of them, each in a way that cannot change an answer:
- Babel's global data is a cache Babel fills again on its next read.
- A language keeps the entries listed in `KEPT`; reading any other entry loads the
  language's whole data again (the same answer, the memory back). Babel's own cache of
  whole languages is emptied, so any other use of Babel loads from its files as usual.
- A bundle keeps the names of its messages (`has_message`) and the compiled messages
  (`get_message` reads those first); the syntax trees go only if every message and term
  was compiled (aiogram-i18n compiles them all at start-up).

This reaches into Babel's and Fluent's caches, so it checks their shape first and leaves
everything as it is (logged) if a new version arranges them otherwise; a test pins that it
works on the versions the bot installs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import babel.core
from babel import localedata

log = logging.getLogger(__name__)

# Entries of a language's data that formatting numbers and choosing plural forms reads
# (babel.numbers, babel.plural, fluent.runtime's NUMBER and its number arguments).
KEPT = frozenset(
    {
        "plural_form",
        "ordinal_form",
        "number_symbols",
        "decimal_formats",
        "percent_formats",
        "currency_formats",
        "scientific_formats",
        "default_numbering_system",
        "numbering_systems",
    }
)


class _Kept(dict[Any, Any]):
    """A language's data cut down to `KEPT`; reading anything else loads the whole of it."""

    def __init__(self, name: str, data: Mapping[Any, Any]) -> None:
        super().__init__((key, data[key]) for key in KEPT if key in data)
        self.name = name

    def __missing__(self, key: Any) -> Any:
        whole = localedata.load(self.name)  # from Babel's file (its cache was emptied)
        self.update(whole)
        return whole[key]  # KeyError if the language has no such entry, as before


def compile_all(bundle: Any) -> None:
    """Compile every message and term of a Fluent bundle now, as aiogram-i18n's
    `pre_compile` does (a message that cannot be compiled fails the start, not an update)."""
    for key in list(bundle._messages):
        bundle._lookup(key)
    for key in list(bundle._terms):
        bundle._lookup(key, term=True)


def trim(bundles: Iterable[Any]) -> bool:
    """Let go of what the bundles' start-up left and formatting never reads (see above);
    False (nothing changed) if Babel's or Fluent's caches are not shaped as expected."""
    bundles = list(bundles)
    if not all(_is_fluent_bundle(b) for b in bundles) or not _babel_as_expected():
        log.warning("locale data not trimmed: Babel or Fluent caches changed shape")
        return False
    for bundle in bundles:
        _keep_compiled(bundle)
    with localedata._cache_lock:
        for name, wrapper in list(localedata._dict_cache.items()):
            data = localedata._cache.get(name)
            if data is None or wrapper._data is not data:
                continue
            kept = _Kept(name, data)
            wrapper._data = wrapper.base = kept
            wrapper._resolved = {}
        localedata._cache.clear()  # the whole languages (and root): reloaded when read
    babel.core._global_data = None  # reloaded by babel.core.get_global when read
    return True


def _babel_as_expected() -> bool:
    wrappers = getattr(localedata, "_dict_cache", None)
    return (
        isinstance(getattr(localedata, "_cache", None), dict)
        and isinstance(wrappers, dict)
        and hasattr(localedata, "_cache_lock")
        and hasattr(babel.core, "_global_data")
        and all(
            all(hasattr(w, attr) for attr in ("_data", "base", "_resolved"))
            for w in wrappers.values()
        )
    )


def _is_fluent_bundle(bundle: Any) -> bool:
    return all(
        isinstance(getattr(bundle, attr, None), dict)
        for attr in ("_messages", "_terms", "_compiled")
    )


def _keep_compiled(bundle: Any) -> None:
    compiled = bundle._compiled
    if all(key in compiled for key in bundle._messages) and all(
        f"-{key}" in compiled for key in bundle._terms
    ):
        bundle._messages = dict.fromkeys(bundle._messages)
        bundle._terms = dict.fromkeys(bundle._terms)
