"""What operators change in the catalog: hide or show a service, and the markups (global,
per category, per service) that pricing.py applies. Every change is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from bot.db import Database
from bot.services import audit, kv
from bot.services.pricing import GLOBAL_MARKUP_KEY, global_markup

MARKUP_MIN = Decimal(-99)
MARKUP_MAX = Decimal(10000)


async def set_hidden(db: Database, admin_id: int, service_id: str, hidden: bool) -> bool | None:
    """None: no such service; False: it already was; True: changed."""
    async with db.transaction() as conn:
        row = await conn.fetchone("SELECT hidden FROM services WHERE id = ?", (service_id,))
        if row is None:
            return None
        if bool(row[0]) == hidden:
            return False
        await conn.execute("UPDATE services SET hidden = ? WHERE id = ?", (int(hidden), service_id))
        await audit.write(conn, admin_id, "hide" if hidden else "show", service_id)
    return True


def parse_percent(text: str) -> Decimal | None:
    """`25`, `12.5`, `25%`, `-10` -> Decimal within the allowed range, else None."""
    text = text.strip().removesuffix("%").replace(",", ".")
    if not re.fullmatch(r"-?\d{1,5}(\.\d{1,2})?", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not MARKUP_MIN <= value <= MARKUP_MAX:
        return None
    return value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


@dataclass(frozen=True)
class MarkupOverview:
    global_markup: Decimal
    from_settings: bool  # True: MARKUP_PERCENT, no /markup value stored
    categories: list[tuple[int, str, str]]  # (id, name, percent)
    services: list[tuple[str, str, str]]  # (id, name, percent)


async def markup_overview(db: Database, default: Decimal) -> MarkupOverview:
    stored = await kv.get(db, GLOBAL_MARKUP_KEY)
    cats = await db.fetchall(
        "SELECT id, name, markup_percent FROM categories WHERE markup_percent IS NOT NULL"
        " ORDER BY position, id LIMIT 50"
    )
    svcs = await db.fetchall(
        "SELECT id, name, markup_percent FROM services WHERE markup_percent IS NOT NULL"
        " ORDER BY position, id LIMIT 50"
    )
    return MarkupOverview(
        global_markup=await global_markup(db, default),
        from_settings=stored is None,
        categories=[(int(r[0]), str(r[1]), str(r[2])) for r in cats],
        services=[(str(r[0]), str(r[1]), str(r[2])) for r in svcs],
    )


async def set_global_markup(db: Database, admin_id: int, percent: Decimal) -> None:
    async with db.transaction() as conn:
        await kv.put(conn, GLOBAL_MARKUP_KEY, str(percent))
        await audit.write(conn, admin_id, "markup", "global", f"{percent}%")


async def set_override_markup(
    db: Database,
    admin_id: int,
    scope: Literal["cat", "svc"],
    target: str,
    percent: Decimal | None,
) -> str | None:
    """Set (or with None clear) a category or service override. Returns the target's name,
    None if there is no such category/service."""
    table = "categories" if scope == "cat" else "services"
    key: object = target
    if scope == "cat":
        if not target.isdigit():
            return None
        key = int(target)
    async with db.transaction() as conn:
        row = await conn.fetchone(f"SELECT name FROM {table} WHERE id = ?", (key,))
        if row is None:
            return None
        await conn.execute(
            f"UPDATE {table} SET markup_percent = ? WHERE id = ?",
            (None if percent is None else str(percent), key),
        )
        await audit.write(
            conn,
            admin_id,
            "markup",
            f"{scope}:{target}",
            "off" if percent is None else f"{percent}%",
        )
    return str(row[0])
