"""The outbox: messages the bot sends on its own (notifications, alerts, broadcasts).

Rows are written in the same transaction as the change they announce, so a crash can never
lose a notification; the sender (bot/sender.py) renders each in the recipient's language when
it sends it, within Telegram's limits. This module is the only code that reads or writes the
`outbox` table: queueing (text, broadcast copies, a notification again), broadcast counts,
and the sender's bookkeeping (fetch what is due, sent / blocked / failed / retry, prune).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import Database, Tx


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
    conn: Tx,
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
    changed = await conn.execute(
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
    return changed > 0


async def enqueue_copies(
    conn: Tx,
    chat_ids: Sequence[int],
    from_chat_id: int,
    message_id: int,
    *,
    batch: str,
) -> None:
    """Queue a copy of one message for each chat (a broadcast), once per chat and batch."""
    params = json.dumps({"from_chat_id": from_chat_id, "message_id": message_id})
    now = int(time.time())
    await conn.executemany(
        "INSERT INTO outbox (chat_id, method, params, dedup, batch, created_at)"
        " VALUES (?, 'copy', ?, ?, ?, ?) ON CONFLICT (dedup) DO NOTHING",
        [(chat_id, params, f"{batch}:{chat_id}", batch, now) for chat_id in chat_ids],
    )


async def notify(
    db: Database, chat_id: int, key: str, params: dict[str, Any] | None = None, **kwargs: Any
) -> bool:
    """Queue one message in its own transaction."""
    async with db.transaction() as conn:
        return await enqueue(conn, chat_id, key, params, **kwargs)


def _json_field(conn: Tx, column: str, field: str) -> str:
    """SQL reading one top-level field of a JSON text column (as SQLite returns it: a number
    or a text; PostgreSQL's ->> gives text, so callers compare with both forms)."""
    if conn.dialect == "sqlite":
        return f"json_extract({column}, '$.{field}')"
    return f"({column}::jsonb ->> '{field}')"


async def requeue_order_notification(conn: Tx, chat_id: int, order_id: int) -> str | None:
    """Queue the last text about `order_id` sent (or queued) to `chat_id` once more, inside
    the caller's transaction; returns its key, None if there is none."""
    row = await conn.fetchone(
        "SELECT key, params, buttons, lang FROM outbox"
        " WHERE chat_id = ? AND method = 'text' AND (dedup LIKE ? OR dedup LIKE ?"
        f"   OR {_json_field(conn, 'params', 'order_id')} IN (?, ?))"
        " ORDER BY id DESC LIMIT 1",
        (chat_id, f"order:{order_id}:%", f"%:order:{order_id}:%", order_id, str(order_id)),
    )
    if row is None:
        return None
    await conn.execute(
        "INSERT INTO outbox (chat_id, method, key, params, buttons, lang, created_at)"
        " VALUES (?, 'text', ?, ?, ?, ?, ?)",
        (chat_id, row["key"], row["params"], row["buttons"], row["lang"], int(time.time())),
    )
    return str(row["key"])


# --------------------------------------------------------------------------- broadcasts


async def batch_size(conn: Tx, batch: str) -> int:
    """How many rows a batch has (0: never queued)."""
    row = await conn.fetchone("SELECT COUNT(*) FROM outbox WHERE batch = ?", (batch,))
    return 0 if row is None else int(row[0])


async def batch_counts(db: Database, batch: str) -> dict[str, int]:
    """status -> number of the batch's rows."""
    rows = await db.fetchall(
        "SELECT status, COUNT(*) FROM outbox WHERE batch = ? GROUP BY status", (batch,)
    )
    return {str(r[0]): int(r[1]) for r in rows}


# --------------------------------------------------------------------------- the sender's


@dataclass(frozen=True)
class QueuedMessage:
    """A row due for sending, with what the sender needs to pick its language."""

    id: int
    chat_id: int
    method: str
    key: str | None
    params: str
    buttons: str | None
    lang: str | None
    attempts: int
    user_language: str | None
    user_tg_language: str | None


async def fetch_due(db: Database, now: float, limit: int) -> list[QueuedMessage]:
    """Queued rows due by `now` for chats that did not block the bot; single notifications
    (no batch) before broadcast rows, then oldest first."""
    rows = await db.fetchall(
        "SELECT o.id, o.chat_id, o.method, o.key, o.params, o.buttons, o.lang, o.attempts,"
        " u.language AS user_language, u.tg_language AS user_tg_language"
        " FROM outbox o LEFT JOIN users u ON u.id = o.chat_id"
        " WHERE o.status = 'queued' AND o.next_at <= ? AND coalesce(u.is_blocked, 0) = 0"
        " ORDER BY (o.batch IS NOT NULL), o.next_at, o.id LIMIT ?",
        (now, limit),
    )
    return [QueuedMessage(**dict(r)) for r in rows]


async def close_blocked(db: Database) -> int:
    """Close the queued rows of users known to have blocked the bot."""
    return await db.execute(
        "UPDATE outbox SET status = 'blocked', error = 'user blocked the bot'"
        " WHERE status = 'queued' AND chat_id IN (SELECT id FROM users WHERE is_blocked = 1)"
    )


async def mark_sent(db: Database, row_id: int, at: int) -> None:
    await db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,"
        " error = NULL WHERE id = ?",
        (at, row_id),
    )


async def mark_failed(db: Database, row_id: int, error: str) -> None:
    """Given up on: never sent again."""
    await db.execute(
        "UPDATE outbox SET status = 'failed', error = ?, attempts = attempts + 1 WHERE id = ?",
        (error[:500], row_id),
    )


async def mark_blocked(conn: Tx, row_id: int, chat_id: int, error: str) -> None:
    """The chat refused this row: it and every queued row for that chat are closed."""
    await conn.execute(
        "UPDATE outbox SET status = 'blocked', error = ?, attempts = attempts + 1 WHERE id = ?",
        (error[:500], row_id),
    )
    await conn.execute(
        "UPDATE outbox SET status = 'blocked', error = 'user blocked the bot'"
        " WHERE chat_id = ? AND status = 'queued'",
        (chat_id,),
    )


async def postpone(db: Database, row_id: int, until: float) -> None:
    """Not before `until` (flood control); the attempt does not count."""
    await db.execute("UPDATE outbox SET next_at = ? WHERE id = ?", (until, row_id))


async def retry_later(
    db: Database, row_id: int, *, attempts: int, until: float, error: str
) -> None:
    await db.execute(
        "UPDATE outbox SET attempts = ?, next_at = ?, error = ? WHERE id = ?",
        (attempts, until, error[:500], row_id),
    )


async def prune(db: Database, before: int) -> int:
    """Remove rows that are done (sent, blocked, failed) and created before `before`;
    queued rows are never removed, whatever their age. Returns how many went."""
    return await db.execute(
        "DELETE FROM outbox WHERE status <> 'queued' AND created_at < ?", (before,)
    )
