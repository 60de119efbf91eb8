"""Every key and every placeholder exists in every language."""

from __future__ import annotations

import re
from pathlib import Path

from fluent.syntax import FluentParser, ast

from bot.config import SUPPORTED_LANGUAGES
from bot.texts import LOCALES_PATH
from tests.harness import BotHarness

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"


def _messages(lang: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    parser = FluentParser()
    for path in sorted((LOCALES_PATH / lang).glob("*.ftl")):
        resource = parser.parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            assert not isinstance(entry, ast.Junk), (
                f"{path}: syntax error near {entry.content[:80]!r}"
            )
            if isinstance(entry, ast.Message):
                name = entry.id.name
                assert name not in found, f"{lang}: duplicate key {name}"
                variables = set(re.findall(r"\{\s*\$([a-zA-Z0-9_-]+)", _source(path, entry)))
                found[name] = variables
    return found


def _source(path: Path, entry: ast.Message) -> str:
    text = path.read_text(encoding="utf-8")
    assert entry.span is not None
    return text[entry.span.start : entry.span.end]


def test_every_language_has_every_key_and_placeholder() -> None:
    catalogs = {lang: _messages(lang) for lang in SUPPORTED_LANGUAGES}
    reference = catalogs["en"]
    assert reference, "no English messages found"
    for lang, messages in catalogs.items():
        assert set(messages) == set(reference), (
            lang,
            sorted(set(reference) - set(messages)),
            sorted(set(messages) - set(reference)),
        )
        for key, variables in reference.items():
            assert messages[key] == variables, (lang, key, variables, messages[key])


def test_every_key_used_in_code_exists() -> None:
    """Literal keys passed to i18n.get(...) in the code must exist in English."""
    keys = set(_messages("en"))
    used: set[str] = set()
    for path in BOT_DIR.rglob("*.py"):
        used |= set(re.findall(r"""i18n\.get\(\s*["']([a-z0-9-]+)["']""", path.read_text()))
    missing = sorted(used - keys)
    assert not missing, missing


def test_one_word_for_the_money_and_for_order_numbers() -> None:
    """The menu says "Balance": texts say balance, never wallet; Russian numbers orders
    with «№», never "#"."""
    for path in LOCALES_PATH.glob("*/*.ftl"):
        text = path.read_text(encoding="utf-8").lower()
        assert "wallet" not in text and "кошел" not in text, path
    for path in (LOCALES_PATH / "ru").glob("*.ftl"):
        assert "#{ $order_id }" not in path.read_text(encoding="utf-8"), path


async def test_russian_plurals_follow_the_number(harness: BotHarness) -> None:
    core = harness.core
    assert "на 1 год вперёд" in core.get("order-error-expiry-far", "ru", years=1)
    assert "на 3 года вперёд" in core.get("order-error-expiry-far", "ru", years=3)
    assert "на 10 лет вперёд" in core.get("order-error-expiry-far", "ru", years=10)
    assert "at most 1 year from" in core.get("order-error-expiry-far", "en", years=1)
    assert "не больше 21 символа" in core.get("order-error-too-long", "ru", max=21)
    assert "не больше 500 символов" in core.get("order-error-too-long", "ru", max=500)
    params = {"order_id": 5, "panel_order_id": "9", "error": "x"}
    assert "3 раза подряд" in core.get("track-alert-order-errors", "ru", count=3, **params)
    assert "5 раз подряд" in core.get("track-alert-order-errors", "ru", count=5, **params)
