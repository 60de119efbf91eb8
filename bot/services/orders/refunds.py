"""Money of an order's charge given back: the one place that writes refunds (the status
machine, status.py, decides when and how much).

The ledger ref names the step: `order:<id>:refund` gives back everything left (so it can
happen once), a smaller amount (a Partial's undelivered share) is
`order:<id>:refund:part:<refunded so far>`. A replay of a step finds its ref and moves
nothing; all refunds of an order together never exceed its charge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Tx, for_update
from bot.services import wallet


def _ref(order_id: int, amount: int, left: int, refunded: int) -> str:
    """The ledger ref of a refund step (see the module's docstring)."""
    ref = f"order:{order_id}:refund"
    return ref if amount >= left else f"{ref}:part:{refunded}"


async def refund_charge(
    conn: Tx,
    order_id: int,
    amount: int | None = None,
    *,
    note: str | None = None,
    now: int | None = None,
) -> int:
    """Give money of an order's charge back inside the caller's transaction; returns the
    micro-units refunded by this call (0: nothing was left, or this very step was already
    applied).

    Default: everything not yet refunded; never more than `charge - refunded`, re-read here
    (the row locked), so all refunds of an order together never exceed its charge. Refs as
    the module says; an operator can still refund the rest after a Partial."""
    row = await conn.fetchone(
        f"SELECT user_id, charge, refunded FROM orders WHERE id = ?{for_update(conn)}",
        (order_id,),
    )
    if row is None:
        raise LookupError(f"no order {order_id}")
    charge, refunded = int(row["charge"]), int(row["refunded"])
    left = charge - refunded
    amount = left if amount is None else min(amount, left)
    if amount <= 0:
        return 0
    refund = Refund(order_id, int(row["user_id"]), charge, refunded, amount, note)
    [given] = await refund_charges(conn, [refund], now)
    return given


@dataclass(frozen=True)
class Refund:
    """A refund a batch gives, as `refund_charge` would for this order."""

    order_id: int
    user_id: int
    charge: int
    refunded: int  # before this refund
    amount: int  # > 0, never above charge - refunded
    note: str | None


async def refund_charges(conn: Tx, refunds: Sequence[Refund], now: int | None = None) -> list[int]:
    """`refund_charge` for many orders (their rows locked by the caller, each order once) in
    a few statements: the same refs, amounts and notes; returns what each gave back (0: its
    step was already in the ledger)."""
    moves = []
    for refund in refunds:
        left = refund.charge - refund.refunded
        amount = min(refund.amount, left)
        if amount <= 0:
            raise ValueError(f"nothing left to refund on order {refund.order_id}")
        ref = _ref(refund.order_id, amount, left, refund.refunded)
        moves.append(wallet.Move(refund.user_id, amount, ref, refund.order_id, refund.note))
    applied = await wallet.apply_many(conn, moves, kind="refund", now=now)
    given = [move.amount if done else 0 for move, done in zip(moves, applied, strict=True)]
    await conn.executemany(
        "UPDATE orders SET refunded = refunded + ? WHERE id = ?",
        [(amount, move.order_id) for move, amount in zip(moves, given, strict=True) if amount],
    )
    return given
