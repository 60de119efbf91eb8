"""Users: the row behind every update, saved language, ban and blocked flags."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from bot.db import Database, Tx

# last_seen is refreshed at most this often, so a chatty user does not cost a write per update
TOUCH_EVERY = 60


@dataclass(frozen=True)
class User:
    id: int
    username: str | None
    first_name: str
    language: str | None
    tg_language: str | None
    balance: int
    is_blocked: bool
    is_banned: bool
    first_seen: int
    last_seen: int
    # True only on the User that `seen` returns for the update that created the row: that
    # update is the user's very first (a referral link counts only then)
    created: bool = False


_COLUMNS = (
    "id, username, first_name, language, tg_language, balance, is_blocked, is_banned,"
    " first_seen, last_seen"
)


def _row_to_user(row: object) -> User:
    data = dict(row)  # type: ignore[call-overload]
    data["is_blocked"] = bool(data["is_blocked"])
    data["is_banned"] = bool(data["is_banned"])
    return User(**data)


async def get(db: Database, user_id: int) -> User | None:
    row = await db.quick.fetchone(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
    return None if row is None else _row_to_user(row)


async def find(db: Database, query: str) -> User | None:
    """By numeric id or @username (case-insensitive)."""
    query = query.strip()
    if query.lstrip("-").isdigit():
        return await get(db, int(query))
    name = query.removeprefix("@").lower()
    if not name:
        return None
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM users WHERE lower(username) = ? ORDER BY last_seen DESC LIMIT 1",
        (name,),
    )
    return None if row is None else _row_to_user(row)


async def seen(
    db: Database,
    user_id: int,
    *,
    username: str | None,
    first_name: str,
    tg_language: str | None,
    now: int | None = None,
) -> User:
    """Create or refresh the user behind an update; writes only when something changed.
    The result's `created` says whether this call created the row."""
    now = now or int(time.time())
    user = await get(db, user_id)
    if (
        user is not None
        and user.username == username
        and user.first_name == first_name
        and user.tg_language == tg_language
        and now - user.last_seen < TOUCH_EVERY
        and not user.is_blocked
    ):
        return user
    # The row comes back from the write itself: a read on the shared reader could still be
    # in an older snapshot (another statement open on it) and miss the user just created.
    async with db.transaction() as conn:
        row = await conn.fetchone(
            "INSERT INTO users (id, username, first_name, tg_language, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
            f" RETURNING {_COLUMNS}",
            (user_id, username, first_name, tg_language, now, now),
        )
        created = row is not None
        if row is None:
            row = await conn.fetchone(
                "UPDATE users SET username = ?, first_name = ?, tg_language = ?, last_seen = ?,"
                f" is_blocked = 0 WHERE id = ? RETURNING {_COLUMNS}",
                (username, first_name, tg_language, now, user_id),
            )
    if row is None:
        raise RuntimeError(f"user {user_id} was not written")
    return replace(_row_to_user(row), created=created)


async def set_language(db: Database, user_id: int, language: str) -> None:
    await db.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))


async def set_banned(conn: Tx, user_id: int, banned: bool) -> bool:
    """Inside the caller's transaction; True if the flag changed."""
    changed = await conn.execute(
        "UPDATE users SET is_banned = ? WHERE id = ? AND is_banned != ?",
        (int(banned), user_id, int(banned)),
    )
    return changed > 0


async def set_blocked(conn: Tx, user_id: int, blocked: bool = True) -> None:
    """Inside the caller's transaction (the sender closes the user's queued rows with it)."""
    await conn.execute("UPDATE users SET is_blocked = ? WHERE id = ?", (int(blocked), user_id))
