"""The operators' audit trail: one `admin_audit` row per action that changed something.

Actions write their row inside their own transaction (`write`), so an action and its record
stand or fall together; a repeated request that changes nothing records nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.db import Database, Tx

MAX_DETAILS = 300


@dataclass(frozen=True)
class AuditEntry:
    id: int
    admin_id: int
    action: str
    target: str | None
    details: str
    created_at: int


_COLUMNS = "id, admin_id, action, target, details, created_at"


async def write(
    conn: Tx,
    admin_id: int,
    action: str,
    target: object = None,
    details: str = "",
) -> None:
    """Record an admin action inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO admin_audit (admin_id, action, target, details, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            admin_id,
            action,
            None if target is None else str(target),
            details[:MAX_DETAILS],
            int(time.time()),
        ),
    )


async def record(
    db: Database, admin_id: int, action: str, target: object = None, details: str = ""
) -> None:
    """Record an action that changed nothing in our tables (a manual catalog sync)."""
    async with db.transaction() as conn:
        await write(conn, admin_id, action, target, details)


async def recent(db: Database, limit: int = 20) -> list[AuditEntry]:
    """The newest entries, newest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM admin_audit ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [AuditEntry(**dict(row)) for row in rows]


async def about(
    db: Database, target: str, actions: Iterable[str], limit: int = 10
) -> list[AuditEntry]:
    """The newest `limit` entries of these actions on `target`, oldest first."""
    wanted = sorted(set(actions))
    placeholders = ",".join("?" * len(wanted))
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM admin_audit WHERE target = ? AND action IN ({placeholders})"
        " ORDER BY id DESC LIMIT ?",
        (target, *wanted, limit),
    )
    return [AuditEntry(**dict(row)) for row in reversed(rows)]
