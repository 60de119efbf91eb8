"""What operators do with a customer's account: look at it (profile), credit or debit the
wallet, ban or unban. Each action that changes something is audited in its own transaction,
and the customer hears about money changes through the outbox in that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.db import Database
from bot.money import amount_param, format_amount
from bot.services import audit, catalog, outbox, users, wallet
from bot.services.orders.queries import OrderView, list_orders
from bot.services.users import User

MAX_NOTE = 200


@dataclass(frozen=True)
class Profile:
    user: User
    ledger: list[wallet.LedgerEntry]
    orders: list[OrderView]


async def profile(db: Database, user: User, rows: int = 5) -> Profile:
    """The user with their newest `rows` ledger entries and orders."""
    page = await list_orders(db, user.id, 0, per_page=rows)
    return Profile(user=user, ledger=await wallet.history(db, user.id, rows), orders=page.items)


def clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    return note[:MAX_NOTE] or None


MoneyOutcome = Literal["applied", "duplicate", "insufficient", "unknown_user"]


@dataclass(frozen=True)
class MoneyResult:
    outcome: MoneyOutcome
    amount: int = 0
    balance: int = 0


async def adjust_balance(
    db: Database,
    admin_id: int,
    user_id: int,
    amount: int,
    *,
    kind: Literal["credit", "debit"],
    ref: str,
    note: str | None = None,
) -> MoneyResult:
    """Credit or debit a user's wallet once per `ref`, tell the user, record the action."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    note = clean_note(note)
    code = await catalog.currency(db)
    signed = amount if kind == "credit" else -amount
    try:
        async with db.transaction() as conn:
            applied = await wallet.apply(
                conn, user_id, signed, kind=kind, ref=ref, note=note or f"admin {admin_id}"
            )
            row = await conn.fetchone("SELECT balance FROM users WHERE id = ?", (user_id,))
            balance = int(row[0]) if row else 0
            if not applied:
                return MoneyResult("duplicate", amount, balance)
            await outbox.enqueue(
                conn,
                user_id,
                f"admin-notify-{kind}",
                {
                    "amount": amount_param(amount, code),
                    "balance": amount_param(balance, code),
                    "note": note or "—",
                },
                dedup=f"{ref}:notify",
            )
            await audit.write(
                conn, admin_id, kind, user_id, f"{format_amount(amount, code)} {note or ''}".strip()
            )
    except wallet.InsufficientFunds as exc:
        return MoneyResult("insufficient", amount, exc.balance)
    except wallet.UnknownUser:
        return MoneyResult("unknown_user", amount)
    return MoneyResult("applied", amount, balance)


async def set_banned(db: Database, admin_id: int, user_id: int, banned: bool) -> bool:
    """An operator bans or unbans; True if the flag changed (a repeat records nothing)."""
    async with db.transaction() as conn:
        if not await users.set_banned(conn, user_id, banned):
            return False
        await audit.write(conn, admin_id, "ban" if banned else "unban", user_id)
    return True
