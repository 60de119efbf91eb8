"""A burst of first-time users: everyone who writes gets an answer, no update fails.

All reads share one reader connection: a statement still open on it pins an older snapshot,
so reading back a row just written (the new user) could find nothing and drop the update."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.harness import BotHarness

USERS = 1000
FIRST_ID = 500_000


async def test_burst_of_first_time_users_all_answered(harness: BotHarness) -> None:
    updates = [
        harness.tg.make_message(
            "/start" if n % 2 == 0 else "followers",
            user_id=FIRST_ID + n,
            language_code="en" if n % 3 else "ru",
        )
        for n in range(USERS)
    ]
    results = await asyncio.gather(
        *(harness.send_message(update) for update in updates), return_exceptions=True
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert harness.errors == []
    answered = Counter(c.chat_id for c in harness.tg.calls if c.method == "sendMessage" and c.ok)
    silent = [FIRST_ID + n for n in range(USERS) if answered[FIRST_ID + n] == 0]
    assert silent == [], f"{len(silent)} users got no answer"


async def test_repeated_start_and_search_take_no_write(harness: BotHarness) -> None:
    """A user already known, seen a moment ago, sending what changes nothing stored (the
    same /start, the same search) costs no write: no user row touch, no FSM write."""
    writes: list[str] = []

    def trace(sql: str) -> None:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(sql)

    harness.db.observers.append(trace)
    try:
        for text in ("/start", "followers"):
            await harness.send(text, 1001)
            writes.clear()
            calls = await harness.send(text, 1001)
            assert [c.method for c in calls if c.method == "sendMessage"] == ["sendMessage"]
            assert writes == [], text
    finally:
        harness.db.observers.remove(trace)
