"""The outbox: messages the bot sends on its own (notifications, alerts, broadcasts).

Rows are written in the same transaction as the change they announce, so a crash can never
lose a notification; the sender (bot/sender.py) renders each in the recipient's language when
it sends it, within Telegram's limits.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.db import Database


@dataclass(frozen=True)
class Button:
    """An inline button: `key` is a locale key rendered with `params`; `data` callback data."""

    key: str
    data: str
    params: dict[str, Any] | None = None


def _buttons_json(buttons: list[list[Button]] | None) -> str | None:
    if not buttons:
        return None
    return json.dumps(
        [[{"key": b.key, "data": b.data, "params": b.params or {}} for b in row] for row in buttons]
    )


async def enqueue(
    conn: aiosqlite.Connection,
    chat_id: int,
    key: str,
    params: dict[str, Any] | None = None,
    *,
    buttons: list[list[Button]] | None = None,
    lang: str | None = None,
    dedup: str | None = None,
    batch: str | None = None,
) -> bool:
    """Queue a text message inside the caller's transaction. Returns False if `dedup` was
    already queued (the message is not queued twice)."""
    cursor = await conn.execute(
        "INSERT INTO outbox (chat_id, method, key, params, buttons, lang, dedup, batch, created_at)"
        " VALUES (?, 'text', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup) DO NOTHING",
        (
            chat_id,
            key,
            json.dumps(params or {}, default=str),
            _buttons_json(buttons),
            lang,
            dedup,
            batch,
            int(time.time()),
        ),
    )
    return cursor.rowcount > 0


async def enqueue_copy(
    conn: aiosqlite.Connection,
    chat_id: int,
    from_chat_id: int,
    message_id: int,
    *,
    batch: str | None = None,
    dedup: str | None = None,
) -> bool:
    cursor = await conn.execute(
        "INSERT INTO outbox (chat_id, method, params, dedup, batch, created_at)"
        " VALUES (?, 'copy', ?, ?, ?, ?) ON CONFLICT (dedup) DO NOTHING",
        (
            chat_id,
            json.dumps({"from_chat_id": from_chat_id, "message_id": message_id}),
            dedup,
            batch,
            int(time.time()),
        ),
    )
    return cursor.rowcount > 0


async def notify(
    db: Database, chat_id: int, key: str, params: dict[str, Any] | None = None, **kwargs: Any
) -> bool:
    """Queue one message in its own transaction."""
    async with db.transaction() as conn:
        return await enqueue(conn, chat_id, key, params, **kwargs)
