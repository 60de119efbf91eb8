"""What every view shares: the translator it is given, times, signed amounts."""

from __future__ import annotations

import time
from typing import Any, Protocol

from bot.money import format_amount

NONE = "—"  # a value that is not there (no panel id yet, never seen, no entries)


class Translator(Protocol):
    """What views need of aiogram-i18n's `I18nContext`: text for a key in one language.
    (Named `i18n` in views so that the locale test finds the keys they use.)"""

    def get(self, key: str, /, **params: Any) -> str: ...


def format_time(ts: int | None) -> str:
    """A moment as `2025-01-31 14:05`, always in UTC (the texts say so); `—` for none."""
    if not ts:
        return NONE
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def signed_amount(micros: int, currency: str) -> str:
    """`+5.00 USD` / `−5.00 USD`: a balance change as a customer reads it."""
    sign = "+" if micros >= 0 else "−"
    return f"{sign}{format_amount(abs(micros), currency)}"
