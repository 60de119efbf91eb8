"""The numbers of the panel's status answers as the order machine stores them: counts and
costs that survive an absurd answer, and a Partial's refund. Pure functions (status.py)."""

from __future__ import annotations

from decimal import Decimal

from bot.money import MAX_AMOUNT, to_micros

# SQLite stores signed 64-bit integers; a bigger number from the panel cannot be a real count.
_SQLITE_INT_MAX = 2**63 - 1


def storable_count(value: int | None) -> int | None:
    """A panel count (remains, start_count) as stored: None (keep what we have) when it is
    absent or too big to be real, so one absurd answer cannot fail a whole write."""
    if value is None or abs(value) > _SQLITE_INT_MAX:
        return None
    return value


def cost_micros(charge: Decimal | None) -> int | None:
    """What the panel says it charged us, in micro-units; None when absent or absurd
    (negative, or beyond money.MAX_AMOUNT): a cost is information, never worth losing the
    order over."""
    if charge is None or not charge.is_finite() or charge < 0 or charge > MAX_AMOUNT:
        return None
    return to_micros(charge)


def partial_refund(charge: int, quantity: int, remains: int | None) -> int:
    """The share of `charge` for `remains` undelivered units, rounded down, within 0..charge."""
    if remains is None or remains <= 0 or quantity <= 0 or charge <= 0:
        return 0
    return charge * min(remains, quantity) // quantity
