"""What a customer types as a top-up amount, checked into micro-units or a typed error.

Stricter than `money.parse_amount` (an operator's tool): no currency signs, at most two
decimals, and every refusal has its own code so the handler can say exactly what is wrong.
A decimal comma is a decimal point ("1,5" is 1.5), as customers in ru locales write it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from bot.money import MICRO

AmountProblem = Literal["not_a_number", "not_positive", "too_precise", "too_small", "too_large"]

MAX_DECIMALS = 2
_TYPED_RE = re.compile(r"([+-]?)([0-9]{1,15})(?:[.,]([0-9]+))?")
_MAX_WHOLE_DIGITS = 12  # anything longer is a typo, whatever TOPUP_MAX says


class TopupAmountError(ValueError):
    """`code` says what is wrong; `limit` (micro-units) is the bound for too_small/too_large."""

    def __init__(self, code: AmountProblem, limit: int | None = None) -> None:
        super().__init__(code)
        self.code: AmountProblem = code
        self.limit = limit


def parse_topup_amount(text: str, *, min_micros: int, max_micros: int) -> int:
    """A typed amount in micro-units, within [min_micros, max_micros]; TopupAmountError if not.

    "10", "10.5", "10,50" are fine; "0" and "-5" are not_positive; "abc", "1e9", "1 000",
    "$5" are not_a_number; "1.234" is too_precise.
    """
    match = _TYPED_RE.fullmatch(text.strip())
    if match is None:
        raise TopupAmountError("not_a_number")
    sign, whole, frac = match.group(1), match.group(2), match.group(3) or ""
    value = Decimal(f"{whole}.{frac}" if frac else whole)
    if sign == "-" or value == 0:
        raise TopupAmountError("not_positive")
    if len(frac.rstrip("0")) > MAX_DECIMALS:
        raise TopupAmountError("too_precise")
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise TopupAmountError("too_large", max_micros)
    micros = int(value * MICRO)
    return check_topup_amount(micros, min_micros=min_micros, max_micros=max_micros)


def check_topup_amount(micros: int, *, min_micros: int, max_micros: int) -> int:
    """The same bounds for an amount that did not come from text (a preset, a button)."""
    if micros <= 0:
        raise TopupAmountError("not_positive")
    if micros < min_micros:
        raise TopupAmountError("too_small", min_micros)
    if micros > max_micros:
        raise TopupAmountError("too_large", max_micros)
    return micros
