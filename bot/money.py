"""Money as integer micro-units (1 = 0.000001 of the panel currency). No floats."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.numbers import (
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

MICRO = 1_000_000
MAX_AMOUNT = Decimal("1000000000")  # anything above this is treated as a typo
_AMOUNT_PATTERN = "#,##0.00####"  # grouped; 2 to 6 decimals (a micro-unit is the 6th)
_AMOUNT_RE = re.compile(r"^\$?\s*(\d{1,12}(?:[.,]\d{1,6})?)\s*\$?$")


class AmountError(ValueError):
    """The text is not an acceptable amount."""


def to_micros(value: Decimal | int | str, *, round_up: bool = False) -> int:
    amount = Decimal(value) * MICRO
    return int(amount.to_integral_value(rounding=ROUND_CEILING if round_up else ROUND_FLOOR))


def from_micros(micros: int) -> Decimal:
    return Decimal(micros) / MICRO


def format_amount(micros: int, currency: str = "", locale: str = "en") -> str:
    """An amount as the reader of `locale` writes it: never fewer than 2 decimals, up to 6
    when needed; `1,234.50 USD` in English, `1 234,50 USD` in Russian (CLDR's separators,
    the same Babel data Fluent uses for the counts in the texts, so both look alike)."""
    symbols = _separators(locale)
    if symbols is None:
        text = format_decimal(from_micros(micros), format=_AMOUNT_PATTERN, locale=locale)
    else:
        text = _grouped(micros, *symbols)
    return f"{text} {currency}" if currency else text


def _grouped(micros: int, group: str, decimal: str, minus: str) -> str:
    """`_AMOUNT_PATTERN` written out: thousands grouped by 3, 2 to 6 decimals (exact: a
    micro-unit is the 6th decimal, so there is nothing to round)."""
    whole, fraction = divmod(abs(micros), MICRO)
    decimals = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    sign = minus if micros < 0 else ""
    return f"{sign}{whole:,}".replace(",", group) + decimal + decimals


@cache
def _separators(locale: str) -> tuple[str, str, str] | None:
    """The locale's group, decimal and minus signs, if writing the pattern out with them
    gives exactly what Babel gives (checked once per locale on a few amounts); None: use
    Babel (a locale with other digits or grouping). Babel reads its pattern and locale
    data on every call, which was most of the cost of a page of priced buttons."""
    try:
        symbols = (
            get_group_symbol(locale),
            get_decimal_symbol(locale),
            get_minus_sign_symbol(locale),
        )
    except (ValueError, LookupError):
        return None
    for probe in (0, 5, 500_000, 1_234_567_891, -98_765_432_100_001, 10**15 + 10):
        expected = format_decimal(from_micros(probe), format=_AMOUNT_PATTERN, locale=locale)
        if _grouped(probe, *symbols) != expected:
            return None
    return symbols


def format_number(value: int, locale: str = "en") -> str:
    """A count (a quantity, a number of runs) grouped as `locale` writes it: `10,000` /
    `10 000`, like Fluent renders a number passed to a text."""
    return format_decimal(value, locale=locale)


AMOUNT_PARAM = "amount_micros"


def amount_param(micros: int, currency: str) -> dict[str, Any]:
    """An amount as a parameter of a queued message (the outbox): written when the message is
    rendered, in its reader's language (`localize_params`)."""
    return {AMOUNT_PARAM: micros, "currency": currency}


def localize_params(params: dict[str, Any], locale: str) -> dict[str, Any]:
    """The parameters of a queued message with its `amount_param`s written for `locale`
    (other values as they are: older rows hold amounts already written)."""
    return {
        name: format_amount(int(v[AMOUNT_PARAM]), str(v.get("currency", "")), locale)
        if isinstance(v, dict) and AMOUNT_PARAM in v
        else v
        for name, v in params.items()
    }


def parse_amount(text: str) -> int:
    """Parse an operator-typed positive amount (`10`, `10.50`, `$10`, `10,5`) into micro-units."""
    match = _AMOUNT_RE.match(text.strip())
    if not match:
        raise AmountError(text)
    try:
        value = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        raise AmountError(text) from None
    if value <= 0 or value > MAX_AMOUNT:
        raise AmountError(text)
    return to_micros(value)


def price_micros(rate_micros: int, quantity: int, *, per_package: bool, markup: Decimal) -> int:
    """What the user pays: the panel rate plus markup, rounded up to a whole micro-unit.

    `rate_micros` is per 1000 units, or the whole price for package types.
    """
    factor = (Decimal(100) + markup) / Decimal(100)
    if per_package:
        exact = Decimal(rate_micros) * factor
    else:
        exact = Decimal(rate_micros) * quantity * factor / 1000
    return int(exact.to_integral_value(rounding=ROUND_CEILING))
