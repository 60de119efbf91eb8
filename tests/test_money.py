from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.money import AmountError, format_amount, parse_amount, price_micros, to_micros


def test_price_per_thousand_rounds_up() -> None:
    rate = to_micros("0.8000")  # per 1000
    assert price_micros(rate, 1000, per_package=False, markup=Decimal(0)) == 800_000
    assert price_micros(rate, 150, per_package=False, markup=Decimal(0)) == 120_000
    # 0.0009 per 1000 x 1 = 0.0000009 -> rounded up to one micro-unit, never down to free
    assert price_micros(to_micros("0.0009"), 1, per_package=False, markup=Decimal(0)) == 1
    # 25% markup
    assert price_micros(rate, 1000, per_package=False, markup=Decimal(25)) == 1_000_000
    assert price_micros(to_micros("0.0360"), 7, per_package=False, markup=Decimal("12.5")) == 284


def test_package_price_is_the_rate() -> None:
    assert price_micros(to_micros("5"), 1, per_package=True, markup=Decimal(10)) == 5_500_000


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("10", 10_000_000),
        ("10.50", 10_500_000),
        ("$10", 10_000_000),
        ("10,5", 10_500_000),
        ("0.000001", 1),
        ("10$", 10_000_000),
    ],
)
def test_parse_amount_ok(text: str, micros: int) -> None:
    assert parse_amount(text) == micros


@pytest.mark.parametrize(
    "text", ["0", "-5", "abc", "", "1e5", "10.1234567", "99999999999999", "1.2.3", "NaN", "inf"]
)
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_format_amount() -> None:
    assert format_amount(12_500_000, "USD") == "12.50 USD"
    assert format_amount(1) == "0.000001"
    assert format_amount(0) == "0.00"
    assert format_amount(36_000) == "0.036"


@settings(max_examples=400, deadline=None)
@given(
    micros=st.integers(min_value=-(10**18), max_value=10**18),
    locale=st.sampled_from(["en", "ru", "de", "fr", "uk", "hi", "ar", "fa"]),
)
def test_amounts_are_written_exactly_as_babel_writes_the_pattern(micros: int, locale: str) -> None:
    """format_amount writes the pattern out itself for speed where that gives Babel's exact
    text (en, ru, ...) and asks Babel otherwise (other digits): the same text either way."""
    expected = format_decimal(Decimal(micros) / 1_000_000, format="#,##0.00####", locale=locale)
    assert format_amount(micros, "", locale) == expected
    assert format_amount(micros, "USD", locale) == f"{expected} USD"
