"""Who is an administrator of the admin group: Telegram's answer, remembered a minute
(bot/filters.py asks Telegram only when there is no fresh answer here) and forgotten at once
when Telegram reports a change of that member (bot/handlers/admin/members.py)."""

from __future__ import annotations

import time

from bot.db import Database

# A demotion Telegram did not report (the bot is no admin there, so it gets no chat_member
# updates) lasts at most this long.
ADMIN_CACHE_SECONDS = 60


async def cached_admin(
    db: Database, chat_id: int, user_id: int, now: int | None = None
) -> bool | None:
    """The remembered answer, or None if there is none younger than ADMIN_CACHE_SECONDS."""
    now = now or int(time.time())
    row = await db.fetchone(
        "SELECT is_admin FROM admin_members WHERE chat_id = ? AND user_id = ? AND checked_at > ?",
        (chat_id, user_id, now - ADMIN_CACHE_SECONDS),
    )
    return None if row is None else bool(row[0])


async def remember_admin(
    db: Database, chat_id: int, user_id: int, is_admin: bool, now: int | None = None
) -> None:
    await db.execute(
        "INSERT INTO admin_members (chat_id, user_id, is_admin, checked_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id, user_id) DO UPDATE SET is_admin = excluded.is_admin,"
        " checked_at = excluded.checked_at",
        (chat_id, user_id, int(is_admin), now or int(time.time())),
    )


async def forget(db: Database, chat_id: int, user_id: int | None = None) -> int:
    """Drop the remembered answer for one member of `chat_id` (every member when `user_id`
    is None): the next command asks Telegram again. Returns how many were dropped."""
    if user_id is None:
        return await db.execute("DELETE FROM admin_members WHERE chat_id = ?", (chat_id,))
    return await db.execute(
        "DELETE FROM admin_members WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
    )
