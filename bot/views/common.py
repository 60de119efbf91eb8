"""What every view shares: the translator it is given, times, signed amounts."""

from __future__ import annotations

import time
from typing import Any, Protocol

from bot.money import format_amount, format_number
from bot.panel import ReasonCode

NONE = "—"  # a value that is not there (no panel id yet, never seen, no entries)


class Translator(Protocol):
    """What views need of aiogram-i18n's `I18nContext`: text for a key in one language.
    (Named `i18n` in views so that the locale test finds the keys they use.)"""

    @property
    def locale(self) -> str: ...  # amounts and quantities are written the way it writes them

    def get(self, key: str, /, **params: Any) -> str: ...


def format_time(ts: int | None) -> str:
    """A moment as `2025-01-31 14:05`, always in UTC (the texts say so); `—` for none."""
    if not ts:
        return NONE
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def signed_amount(micros: int, currency: str, locale: str = "en") -> str:
    """`+5.00 USD` / `−5.00 USD`: a balance change as a customer reads it."""
    sign = "+" if micros >= 0 else "−"
    return f"{sign}{format_amount(abs(micros), currency, locale)}"


def count(i18n: Translator, value: int) -> str:
    """A quantity grouped the reader's way: `10,000` / `10 000`."""
    return format_number(value, i18n.locale)


def panel_reason(i18n: Translator, reason: ReasonCode | None) -> str:
    """Why the panel said no, as a customer reads it: from a fixed set, never the panel's
    own words (they may name the upstream panel, echo the request or be HTML)."""
    match reason:
        case ReasonCode.INVALID_LINK:
            return i18n.get("panel-reason-invalid-link")
        case ReasonCode.QUANTITY_OUT_OF_RANGE:
            return i18n.get("panel-reason-quantity")
        case ReasonCode.INVALID_INPUT:
            return i18n.get("panel-reason-invalid-input")
        case ReasonCode.SERVICE_UNAVAILABLE:
            return i18n.get("panel-reason-service-unavailable")
        case ReasonCode.DUPLICATE_ACTIVE_ORDER:
            return i18n.get("panel-reason-duplicate")
        case ReasonCode.NOT_ENOUGH_FUNDS_PANEL | ReasonCode.PROVIDER_ERROR:
            return i18n.get("panel-reason-provider-error")
        case ReasonCode.ORDER_NOT_FOUND:
            return i18n.get("panel-reason-order-not-found")
        case ReasonCode.REFILL_NOT_AVAILABLE:
            return i18n.get("panel-reason-refill-not-available")
        case ReasonCode.CANCEL_NOT_AVAILABLE:
            return i18n.get("panel-reason-cancel-not-available")
        case ReasonCode.ALREADY_REQUESTED:
            return i18n.get("panel-reason-already-requested")
        case ReasonCode.PROVIDER_BUSY:
            return i18n.get("panel-reason-busy")
        case ReasonCode.PROVIDER_UNREACHABLE:
            return i18n.get("panel-reason-unreachable")
    return i18n.get("panel-reason-other")
