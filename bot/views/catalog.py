"""The catalog's texts: the service card, the favourites list."""

from __future__ import annotations

import re

from bot.money import format_amount
from bot.services.catalog import Page, ServiceView
from bot.services.favourites import Favourite
from bot.text import fit
from bot.views.common import Translator

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _yes_no(i18n: Translator, flag: bool) -> str:
    return i18n.get("catalog-yes" if flag else "catalog-no")


def service_card(i18n: Translator, service: ServiceView, currency: str) -> str:
    """The card, within Telegram's 4096 characters: the description gives way first."""
    lines = [
        i18n.get("catalog-card-title", name=service.name, id=service.id),
        i18n.get("catalog-card-category", category=service.category),
        i18n.get(
            "catalog-card-price-package" if service.is_package else "catalog-card-price",
            price=format_amount(service.unit_price, currency, i18n.locale),
        ),
    ]
    if not service.is_package:
        lines.append(i18n.get("catalog-card-limits", min=service.min_qty, max=service.max_qty))
    lines.append(i18n.get("catalog-card-refill", answer=_yes_no(i18n, service.refill)))
    lines.append(i18n.get("catalog-card-cancel", answer=_yes_no(i18n, service.cancel)))
    if service.dripfeed:
        lines.append(i18n.get("catalog-card-dripfeed"))
    if service.average_time and service.average_time.strip() not in {"", "0"}:
        raw = service.average_time.strip()
        shown = i18n.get("catalog-minutes", minutes=raw) if raw.isdigit() else raw
        lines.append(i18n.get("catalog-card-average-time", time=shown))
    if not service.offered:
        lines.append(i18n.get("catalog-card-unavailable"))
    text = "\n".join(lines)
    description = _BR.sub("\n", service.description).strip()
    if description:
        # the description gives way first; fit() counts as Telegram does (UTF-16)
        text = fit(f"{text}\n\n{description}")
    return text


def inline_description(i18n: Translator, service: ServiceView, currency: str) -> str:
    """One line under an inline result's title: the price (per 1000 or per package, markup
    included) and the limits."""
    price = format_amount(service.unit_price, currency, i18n.locale)
    if service.is_package:
        return i18n.get("inline-description-package", price=price)
    return i18n.get("inline-description", price=price, min=service.min_qty, max=service.max_qty)


def inline_card(i18n: Translator, service: ServiceView, currency: str) -> str:
    """The short card an inline result posts in the chat (the Order button goes with it)."""
    return fit(
        i18n.get("inline-card", name=service.name, id=service.id)
        + "\n"
        + inline_description(i18n, service, currency)
    )


def favourites_page(i18n: Translator, page: Page[Favourite]) -> str:
    """The favourites list's heading: how many, and that unavailable ones stay listed."""
    if page.total == 0:
        return i18n.get("favourites-empty")
    unavailable = sum(1 for item in page.items if not item.offered)
    text = i18n.get("favourites-title", total=page.total)
    if unavailable:
        text += "\n\n" + i18n.get("favourites-some-unavailable")
    return text
