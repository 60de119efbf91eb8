"""What a user pays: the panel's rate plus the operator's markup.

The markup is the most specific one set: service override, else category override, else the
global markup (`/markup` may store one in kv `markup_percent`, else MARKUP_PERCENT).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bot.db import Database
from bot.money import price_micros
from bot.services import kv
from bot.services.order_input import PACKAGE_KINDS  # one definition: a package is 1 unit

GLOBAL_MARKUP_KEY = "markup_percent"


def is_package(kind: str | None) -> bool:
    return kind in PACKAGE_KINDS


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def effective_markup(
    global_markup: Decimal, category_markup: object = None, service_markup: object = None
) -> Decimal:
    for candidate in (service_markup, category_markup):
        value = _decimal(candidate)
        if value is not None:
            return value
    return global_markup


async def global_markup(db: Database, default: Decimal) -> Decimal:
    stored = await kv.get(db, GLOBAL_MARKUP_KEY)
    value = _decimal(stored)
    return default if value is None else value


def unit_price(rate_micros: int, kind: str | None, markup: Decimal) -> int:
    """Price per 1000 (or per package) the user sees, rounded up."""
    return price_micros(rate_micros, 1000, per_package=is_package(kind), markup=markup)


def order_price(rate_micros: int, kind: str | None, quantity: int, markup: Decimal) -> int:
    """Total charge for `quantity` units (already multiplied by runs for drip-feed)."""
    return price_micros(rate_micros, quantity, per_package=is_package(kind), markup=markup)


async def service_markup(db: Database, service_id: str, default: Decimal) -> Decimal:
    row = await db.fetchone(
        "SELECT s.markup_percent AS s_markup, c.markup_percent AS c_markup"
        " FROM services s JOIN categories c ON c.id = s.category_id WHERE s.id = ?",
        (service_id,),
    )
    base = await global_markup(db, default)
    if row is None:
        return base
    return effective_markup(base, row["c_markup"], row["s_markup"])
