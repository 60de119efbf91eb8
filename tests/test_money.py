from __future__ import annotations

from decimal import Decimal

import pytest

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
