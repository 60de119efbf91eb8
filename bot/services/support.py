"""Customers writing to the operators, and the operators' answers finding their way back.

One mechanism for every way in (/paysupport, the Support entry): the customer's message is
posted in the operators' group as one or more bot messages, each recorded against the
request (table support_messages, migration 009); an operator's reply to any of them is
delivered to that customer, also after a restart. No aiogram here: the handlers post and
deliver, this module remembers and decides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from bot.db import Database
from bot.payments import reports
from bot.payments.models import PaymentView

Topic = Literal["payments", "general"]
TOPICS: tuple[Topic, ...] = ("payments", "general")

# Requests one customer may open per hour: enough for a real problem, not enough to flood
# the operators' group.
MAX_PER_HOUR = 5
RECENT_PAYMENTS = 5  # shown to the operators with each request


@dataclass(frozen=True)
class Thread:
    """The request an operator is answering."""

    request_id: int
    user_id: int
    topic: str


@dataclass(frozen=True)
class Customer:
    """What operators see about the customer who wrote."""

    user_id: int
    username: str | None
    first_name: str
    balance: int
    payments: list[PaymentView]


async def can_write(db: Database, user_id: int, now: int | None = None) -> bool:
    """Whether the customer may open another request now (MAX_PER_HOUR)."""
    now = now or int(time.time())
    count = await db.fetchval(
        "SELECT COUNT(*) FROM support_requests WHERE user_id = ? AND created_at > ?",
        (user_id, now - 3600),
    )
    return int(count or 0) < MAX_PER_HOUR


async def open_request(
    db: Database, user_id: int, topic: Topic, now: int | None = None
) -> int | None:
    """A new request of the customer; None when they have written too often this hour."""
    now = now or int(time.time())
    async with db.transaction() as conn:
        found = await conn.fetchone(
            "SELECT COUNT(*) FROM support_requests WHERE user_id = ? AND created_at > ?",
            (user_id, now - 3600),
        )
        if found is not None and int(found[0]) >= MAX_PER_HOUR:
            return None
        row = await conn.fetchone(
            "INSERT INTO support_requests (user_id, topic, created_at) VALUES (?, ?, ?)"
            " RETURNING id",
            (user_id, topic, now),
        )
        assert row is not None
        return int(row[0])


async def customer(db: Database, user_id: int) -> Customer:
    row = await db.fetchone(
        "SELECT username, first_name, balance FROM users WHERE id = ?", (user_id,)
    )
    return Customer(
        user_id=user_id,
        username=row["username"] if row else None,
        first_name=row["first_name"] if row else "",
        balance=int(row["balance"]) if row else 0,
        payments=await reports.list_payments(db, user_id, RECENT_PAYMENTS),
    )


async def link_message(db: Database, request_id: int, chat_id: int, message_id: int) -> None:
    """Remember that the bot's message `message_id` in `chat_id` belongs to the request."""
    await db.execute(
        "INSERT INTO support_messages (chat_id, message_id, request_id) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, message_id) DO NOTHING",
        (chat_id, message_id, request_id),
    )


async def thread_of(db: Database, chat_id: int, message_id: int) -> Thread | None:
    """The request the bot's message `message_id` in `chat_id` was posted for, if any."""
    row = await db.fetchone(
        "SELECT r.id, r.user_id, r.topic FROM support_messages m"
        " JOIN support_requests r ON r.id = m.request_id"
        " WHERE m.chat_id = ? AND m.message_id = ?",
        (chat_id, message_id),
    )
    return None if row is None else Thread(int(row[0]), int(row[1]), str(row[2]))


async def answered(db: Database, request_id: int) -> None:
    await db.execute(
        "UPDATE support_requests SET replies = replies + 1 WHERE id = ?", (request_id,)
    )
