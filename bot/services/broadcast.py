"""/broadcast: a copy of one message to every user who neither blocked the bot nor is banned,
queued as one outbox batch (the sender delivers it behind single notifications)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.services import audit, outbox


@dataclass(frozen=True)
class BroadcastCounts:
    queued: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.blocked + self.failed

    @property
    def done(self) -> bool:
        return self.queued == 0


def broadcast_batch(chat_id: int, message_id: int) -> str:
    return f"bc{abs(chat_id)}-{message_id}"


async def start_broadcast(
    db: Database, admin_id: int, from_chat_id: int, message_id: int
) -> tuple[str, int, bool]:
    """Queue a copy of the message for every recipient. Returns (batch, recipients,
    started): `started` is False when this message was already broadcast (a repeated
    command queues nothing)."""
    batch = broadcast_batch(from_chat_id, message_id)
    async with db.transaction() as conn:
        queued = await outbox.batch_size(conn, batch)
        if queued > 0:
            return batch, queued, False
        recipients = [
            int(r[0])
            for r in await conn.fetchall(
                "SELECT id FROM users WHERE is_blocked = 0 AND is_banned = 0 ORDER BY id"
            )
        ]
        await outbox.enqueue_copies(conn, recipients, from_chat_id, message_id, batch=batch)
        await audit.write(conn, admin_id, "broadcast", batch, f"{len(recipients)} recipients")
    return batch, len(recipients), True


async def broadcast_counts(db: Database, batch: str) -> BroadcastCounts:
    counts = await outbox.batch_counts(db, batch)
    return BroadcastCounts(
        queued=counts.get("queued", 0),
        sent=counts.get("sent", 0),
        blocked=counts.get("blocked", 0),
        failed=sum(v for k, v in counts.items() if k not in {"queued", "sent", "blocked"}),
    )
