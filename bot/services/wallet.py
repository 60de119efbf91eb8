"""The wallet: every balance change is a ledger row with a unique reference, written in the
same transaction as the balance. A repeated reference is a no-op, so retries and duplicate
deliveries can never move money twice."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import Database, Tx, for_update


class InsufficientFunds(Exception):
    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"balance {balance} < {needed}")
        self.balance = balance
        self.needed = needed

    @property
    def missing(self) -> int:
        return self.needed - self.balance


class UnknownUser(Exception):
    pass


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    user_id: int
    amount: int
    balance_after: int
    kind: str
    ref: str
    order_id: int | None
    note: str | None
    created_at: int


async def apply(
    conn: Tx,
    user_id: int,
    amount: int,
    *,
    kind: str,
    ref: str,
    order_id: int | None = None,
    note: str | None = None,
    now: int | None = None,
) -> bool:
    """Move `amount` micro-units (negative = take) inside the caller's transaction.

    Returns False, changing nothing, if `ref` was already applied. Raises InsufficientFunds
    if the balance would go negative, UnknownUser if there is no such user.
    """
    [applied] = await apply_many(
        conn, [Move(user_id, amount, ref, order_id, note)], kind=kind, now=now
    )
    return applied


@dataclass(frozen=True)
class Move:
    """One balance change for `apply_many`: what `apply` takes for one."""

    user_id: int
    amount: int
    ref: str
    order_id: int | None = None
    note: str | None = None


async def apply_many(
    conn: Tx, moves: Sequence[Move], *, kind: str, now: int | None = None
) -> list[bool]:
    """`apply` for many moves inside the caller's transaction, in four statements instead of
    four per move, with the same outcome as applying them one after another in the given
    order: one per True in the result (aligned with `moves`), False for a ref already in the
    ledger (or repeated earlier in `moves`), which moves nothing.

    The users' rows are locked first, in user-id order (two transactions locking several
    take them in the same order; two replicas moving one balance take turns, and the second
    then sees the first's ledger row and its balance), then the refs are read (the unique
    ref stays the last guard). Each ledger row's balance_after is
    the user's running balance in `moves` order; each user's balance is written once.
    Raises InsufficientFunds / UnknownUser as `apply` does (the caller's transaction is then
    rolled back, so nothing of the batch stays)."""
    if not moves:
        return []
    user_ids = sorted({move.user_id for move in moves})
    marks = ", ".join("?" for _ in user_ids)
    rows = await conn.fetchall(
        f"SELECT id, balance FROM users WHERE id IN ({marks}) ORDER BY id{for_update(conn)}",
        user_ids,
    )
    balances = {int(row[0]): int(row[1]) for row in rows}
    for user_id in user_ids:
        if user_id not in balances:
            raise UnknownUser(user_id)
    refs = list(dict.fromkeys(move.ref for move in moves))
    marks = ", ".join("?" for _ in refs)
    found = await conn.fetchall(f"SELECT ref FROM ledger WHERE ref IN ({marks})", refs)
    seen = {str(row[0]) for row in found}
    when = now or int(time.time())
    entries: list[tuple[object, ...]] = []
    changed: dict[int, int] = {}
    applied: list[bool] = []
    for move in moves:
        if move.ref in seen:
            applied.append(False)
            continue
        seen.add(move.ref)
        balance = balances[move.user_id]
        new_balance = balance + move.amount
        if new_balance < 0:
            raise InsufficientFunds(balance, -move.amount)
        balances[move.user_id] = changed[move.user_id] = new_balance
        entries.append(
            (move.user_id, move.amount, new_balance, kind, move.ref, move.order_id, move.note, when)
        )
        applied.append(True)
    await conn.executemany(
        "INSERT INTO ledger (user_id, amount, balance_after, kind, ref, order_id, note, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        entries,
    )
    await conn.executemany(
        "UPDATE users SET balance = ? WHERE id = ?",
        [(balance, user_id) for user_id, balance in sorted(changed.items())],
    )
    return applied


async def top_up(
    db: Database,
    user_id: int,
    amount: int,
    *,
    ref: str,
    kind: str = "topup",
    note: str | None = None,
) -> bool:
    """The one entry point for adding money (admin credit now, payments later)."""
    if amount <= 0:
        raise ValueError("top-up amount must be positive")
    async with db.transaction() as conn:
        return await apply(conn, user_id, amount, kind=kind, ref=ref, note=note)


async def balance(db: Database, user_id: int) -> int:
    value = await db.fetchval("SELECT balance FROM users WHERE id = ?", (user_id,))
    return int(value or 0)


async def balance_in(conn: Tx, user_id: int) -> int:
    """The balance as the caller's transaction sees it (with what it has written), the
    user's row locked until it ends: what is read here may be taken next (a claw-back)."""
    value = await conn.fetchval(
        f"SELECT balance FROM users WHERE id = ?{for_update(conn)}", (user_id,)
    )
    return int(value or 0)


async def history(db: Database, user_id: int, limit: int = 10) -> list[LedgerEntry]:
    rows = await db.fetchall(
        "SELECT id, user_id, amount, balance_after, kind, ref, order_id, note, created_at"
        " FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?",
        (user_id, limit),
    )
    return [LedgerEntry(**dict(row)) for row in rows]
