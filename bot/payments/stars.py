"""Telegram Stars arithmetic and the invoice payload. Pure functions, no I/O.

A Star is worth `rate` micro-units of the shop currency (the STARS_RATE setting). A top-up
of `amount` costs ceil(amount / rate) Stars: rounded up, so the shop never receives less
than it credits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STARS_CURRENCY = "XTR"
# Telegram's upper bound for one Stars invoice (currencies.json, XTR max_amount).
MAX_STARS_PER_INVOICE = 10_000
MAX_PAYLOAD_BYTES = 128  # sendInvoice: payload is 1-128 bytes
PAYLOAD_PREFIX = "topup"
_INT64_MAX = 2**63 - 1
_ID = r"([1-9][0-9]{0,18})"  # positive, no leading zeros: one spelling per number
_PAYLOAD_RE = re.compile(rf"{PAYLOAD_PREFIX}:{_ID}:{_ID}(?::{_ID})?")


def stars_for(amount_micros: int, rate_micros: int) -> int:
    """Stars to ask for `amount_micros`: the smallest count worth at least that much."""
    if amount_micros <= 0 or rate_micros <= 0:
        raise ValueError("amount and rate must be positive")
    return -(-amount_micros // rate_micros)


def value_of(stars: int, rate_micros: int) -> int:
    """What `stars` are worth at `rate_micros`, in micro-units (exact: both are integers)."""
    if stars < 0 or rate_micros <= 0:
        raise ValueError("stars must not be negative, rate must be positive")
    return stars * rate_micros


def max_amount_for_stars(rate_micros: int, max_stars: int = MAX_STARS_PER_INVOICE) -> int:
    """The largest amount one Stars invoice can carry at this rate."""
    return value_of(max_stars, rate_micros)


@dataclass(frozen=True)
class TopupPayload:
    """What an invoice payload names: our payments row, the amount asked and (Stars) the rate."""

    payment_id: int
    amount: int  # micro-units the row credits
    rate: int | None = None  # micro-units per Star; None for Crypto Pay

    def encode(self) -> str:
        parts = [PAYLOAD_PREFIX, str(self.payment_id), str(self.amount)]
        if self.rate is not None:
            parts.append(str(self.rate))
        text = ":".join(parts)
        if parse_payload(text) != self:
            raise ValueError(f"not a valid payload: {self!r}")
        return text


def make_payload(payment_id: int, amount_micros: int, rate_micros: int | None = None) -> str:
    """`topup:<id>:<amount>[:<rate>]`; at most 65 bytes, well under Telegram's 128."""
    return TopupPayload(payment_id, amount_micros, rate_micros).encode()


def parse_payload(text: object) -> TopupPayload | None:
    """The payload's fields, or None for anything we did not write (never raises)."""
    if not isinstance(text, str) or len(text.encode()) > MAX_PAYLOAD_BYTES:
        return None
    match = _PAYLOAD_RE.fullmatch(text)
    if match is None:
        return None
    numbers = [int(g) if g is not None else None for g in match.groups()]
    if any(n is not None and n > _INT64_MAX for n in numbers):
        return None
    payment_id, amount, rate = numbers
    assert payment_id is not None and amount is not None
    return TopupPayload(payment_id, amount, rate)
