"""Support in words: what the customer is told, and the request card the operators get."""

from __future__ import annotations

from typing import Any

from bot.money import format_amount
from bot.services.support import Customer
from bot.views.common import NONE, Translator
from bot.views.payments import payment_line

TOPIC_KEYS = {"payments": "support-topic-payments", "general": "support-topic-general"}


class InLanguage:
    """A Translator fixed to one language: the operators' texts while serving a customer
    (and the other way round)."""

    def __init__(self, i18n: Any, locale: str) -> None:
        self._i18n = i18n
        self._locale = locale

    @property
    def locale(self) -> str:
        return self._locale

    def get(self, key: str, /, **params: Any) -> str:
        return str(self._i18n.get(key, self._locale, **params))


def with_contact(i18n: Translator, text: str, contact: str) -> str:
    """A text that sends the customer to support, with SUPPORT_CONTACT when it is set."""
    if contact:
        return text + "\n\n" + i18n.get("support-contact", contact=contact)
    return text


def intro(i18n: Translator, topic: str, contact: str) -> str:
    """What /paysupport (topic "payments") and the Support entry answer."""
    key = "support-intro-payments" if topic == "payments" else "support-intro-general"
    return with_contact(i18n, i18n.get(key), contact)


def request_card(
    i18n: Translator, request_id: int, topic: str, who: Customer, currency: str
) -> str:
    """The operators' header above (or around) the customer's message."""
    payments = "\n".join(payment_line(i18n, p) for p in who.payments) or NONE
    return i18n.get(
        "support-admin-request",
        request_id=request_id,
        topic=i18n.get(TOPIC_KEYS.get(topic, "support-topic-general")),
        name=who.first_name or NONE,
        username=f"@{who.username}" if who.username else NONE,
        user_id=who.user_id,
        balance=format_amount(who.balance, currency, i18n.locale),
        payments=payments,
    )
