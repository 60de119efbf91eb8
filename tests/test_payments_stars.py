"""Stars arithmetic, the invoice payload and typed top-up amounts: pure functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.money import to_micros
from bot.payments.amounts import TopupAmountError, check_topup_amount, parse_topup_amount
from bot.payments.stars import (
    MAX_PAYLOAD_BYTES,
    MAX_STARS_PER_INVOICE,
    TopupPayload,
    make_payload,
    max_amount_for_stars,
    parse_payload,
    stars_for,
    value_of,
)

MIN = to_micros("1")
MAX = to_micros("500")


# --------------------------------------------------------------------------- stars


@pytest.mark.parametrize(
    ("amount", "rate", "stars"),
    [
        ("1", "0.013", 77),  # 76.92... -> 77, never 76
        ("10", "0.013", 770),  # 769.23... -> 770
        ("0.013", "0.013", 1),  # exact
        ("0.013001", "0.013", 2),  # one micro-unit over -> one more Star
        ("5", "0.5", 10),
        ("100", "1.25", 80),
        ("0.000001", "100", 1),
    ],
)
def test_stars_rounded_up_never_short(amount: str, rate: str, stars: int) -> None:
    amount_m, rate_m = to_micros(amount), to_micros(rate)
    assert stars_for(amount_m, rate_m) == stars
    # the shop receives at least what it credits, and one Star fewer would not be enough
    assert value_of(stars, rate_m) >= amount_m
    assert value_of(stars - 1, rate_m) < amount_m


def test_stars_exhaustive_small_grid() -> None:
    for rate in range(1, 400, 7):
        for amount in range(1, 3000, 13):
            s = stars_for(amount, rate)
            assert (s - 1) * rate < amount <= s * rate


def test_stars_refuse_nonsense() -> None:
    for amount, rate in ((0, 1), (-1, 1), (1, 0), (1, -5)):
        with pytest.raises(ValueError):
            stars_for(amount, rate)
    with pytest.raises(ValueError):
        value_of(-1, 10)
    assert max_amount_for_stars(to_micros("0.013")) == MAX_STARS_PER_INVOICE * 13_000


# --------------------------------------------------------------------------- payload


def test_payload_round_trip_and_short() -> None:
    text = make_payload(42, to_micros("10"), to_micros("0.013"))
    assert text == "topup:42:10000000:13000"
    assert parse_payload(text) == TopupPayload(42, 10_000_000, 13_000)
    assert parse_payload("topup:7:5000000") == TopupPayload(7, 5_000_000, None)
    biggest = make_payload(2**63 - 1, 2**63 - 1, 2**63 - 1)
    assert len(biggest.encode()) <= 65 < MAX_PAYLOAD_BYTES
    assert parse_payload(biggest) == TopupPayload(2**63 - 1, 2**63 - 1, 2**63 - 1)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "topup",
        "topup:",
        "topup:1",
        "topup:abc:1",
        "topup:0:100",  # ids start at 1
        "topup:01:100",  # a second spelling of 1
        "topup:1:0",
        "topup:-1:100",
        "topup:1:100:0",
        "topup:1:100:13:4",
        "topup:1:100\n",
        " topup:1:100",
        "TOPUP:1:100",
        "order:1:100",
        "topup:9223372036854775808:1",  # over int64
        "topup:1:" + "9" * 200,
        "topup:١:100",  # Arabic-Indic digit: int() would accept it
        None,
        12,
    ],
)
def test_forged_or_malformed_payload_is_none(payload: object) -> None:
    assert parse_payload(payload) is None


def test_make_payload_refuses_what_it_could_not_parse() -> None:
    for args in ((0, 1, None), (1, 0, None), (1, 1, 0), (-3, 1, 1)):
        with pytest.raises(ValueError):
            make_payload(*args)


# --------------------------------------------------------------------------- typed amounts


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("10", 10_000_000),
        (" 10 ", 10_000_000),
        ("10.5", 10_500_000),
        ("10,5", 10_500_000),  # decimal comma, as typed in ru
        ("1,5", 1_500_000),
        ("10.50", 10_500_000),
        ("10.500", 10_500_000),  # trailing zeros are not precision
        ("+7", 7_000_000),
        ("007", 7_000_000),
        ("1", MIN),
        ("500", MAX),
    ],
)
def test_typed_amount_accepted(text: str, micros: int) -> None:
    assert parse_topup_amount(text, min_micros=MIN, max_micros=MAX) == micros


@pytest.mark.parametrize(
    ("text", "code", "limit"),
    [
        ("0", "not_positive", None),
        ("0.00", "not_positive", None),
        ("-5", "not_positive", None),
        ("-0", "not_positive", None),
        ("1e9", "not_a_number", None),
        ("abc", "not_a_number", None),
        ("", "not_a_number", None),
        ("1 000", "not_a_number", None),
        ("$5", "not_a_number", None),
        ("5.", "not_a_number", None),
        (".5", "not_a_number", None),
        ("1.2.3", "not_a_number", None),
        ("NaN", "not_a_number", None),
        ("Infinity", "not_a_number", None),
        ("٥", "not_a_number", None),
        ("1.234", "too_precise", None),
        ("0.999", "too_precise", None),
        ("0.5", "too_small", MIN),
        ("500.01", "too_large", MAX),
        ("1000000000", "too_large", MAX),
        ("9" * 15, "too_large", MAX),
    ],
)
def test_typed_amount_refused_with_a_code(text: str, code: str, limit: int | None) -> None:
    with pytest.raises(TopupAmountError) as info:
        parse_topup_amount(text, min_micros=MIN, max_micros=MAX)
    assert info.value.code == code
    assert info.value.limit == limit


def test_check_amount_for_presets() -> None:
    assert check_topup_amount(MIN, min_micros=MIN, max_micros=MAX) == MIN
    for micros, code in ((0, "not_positive"), (MIN - 1, "too_small"), (MAX + 1, "too_large")):
        with pytest.raises(TopupAmountError) as info:
            check_topup_amount(micros, min_micros=MIN, max_micros=MAX)
        assert info.value.code == code


def test_typed_amount_is_exact() -> None:
    """No float on the way: 0.1 + 0.2 style errors cannot appear."""
    got = parse_topup_amount("0.29", min_micros=1, max_micros=MAX)
    assert got == 290_000 == to_micros(Decimal("0.29"))
