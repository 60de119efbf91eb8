"""The maintenance switch: while it is on, no order is placed (`/maintenance on|off`)."""

from __future__ import annotations

from bot.db import Database
from bot.services import audit, kv

MAINTENANCE_KEY = "maintenance"


async def maintenance_on(db: Database) -> bool:
    value = await kv.get(db, MAINTENANCE_KEY)
    return (value or "").strip().lower() == "on"


async def set_maintenance(db: Database, admin_id: int, on: bool) -> None:
    async with db.transaction() as conn:
        await kv.put(conn, MAINTENANCE_KEY, "on" if on else "off")
        await audit.write(conn, admin_id, "maintenance", None, "on" if on else "off")
