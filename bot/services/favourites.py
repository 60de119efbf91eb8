"""A customer's favourite services: the star on the service card and the "Favourites" list.

A favourite is a (user, service) row. Services are never deleted from the catalog, only
marked unavailable or hidden, so a favourite stays in the list after its service vanished
and is shown as unavailable (the card then has no Order button: the dialog and placing
re-check the service anyway). Adding and removing are idempotent, so a stale or repeated
star press never flips the state back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from decimal import Decimal

from bot.db import Database, Queryable
from bot.services import catalog
from bot.services.catalog import Page, ServiceView

# A bound on one customer's list: pages stay few and a scripted client cannot grow it forever.
MAX_FAVOURITES = 200
PER_PAGE = 10


class TooManyFavourites(Exception):
    """The customer already has MAX_FAVOURITES favourites."""


@dataclass(frozen=True)
class Favourite:
    service_id: str
    service: ServiceView | None  # None: not in the catalog at all

    @property
    def offered(self) -> bool:
        return self.service is not None and self.service.offered


async def is_favourite(db: Queryable, user_id: int, service_id: str) -> bool:
    found = await db.fetchval(
        "SELECT 1 FROM favourites WHERE user_id = ? AND service_id = ?", (user_id, service_id)
    )
    return found is not None


async def set_favourite(db: Database, user_id: int, service_id: str, on: bool) -> bool:
    """Add (`on`) or remove the service; returns whether it is a favourite now. A service
    that is not in the catalog cannot be added (False). Raises TooManyFavourites."""
    async with db.transaction() as tx:
        if not on:
            await tx.execute(
                "DELETE FROM favourites WHERE user_id = ? AND service_id = ?",
                (user_id, service_id),
            )
            return False
        if await tx.fetchval("SELECT 1 FROM services WHERE id = ?", (service_id,)) is None:
            return False
        if await is_favourite(tx, user_id, service_id):
            return True
        count = await tx.fetchval("SELECT COUNT(*) FROM favourites WHERE user_id = ?", (user_id,))
        if int(count or 0) >= MAX_FAVOURITES:
            raise TooManyFavourites(user_id)
        await tx.execute(
            "INSERT INTO favourites (user_id, service_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id, service_id) DO NOTHING",
            (user_id, service_id, int(time.time())),
        )
    return True


async def list_page(
    db: Database,
    user_id: int,
    page: int,
    per_page: int = PER_PAGE,
    *,
    default_markup: Decimal = Decimal(0),
) -> Page[Favourite]:
    """A page of the user's favourites, the newest first, with each service as it is now
    (priced with markup; unavailable ones included). `page` is clamped into range."""
    per_page = max(1, per_page)
    total = int(
        await db.fetchval("SELECT COUNT(*) FROM favourites WHERE user_id = ?", (user_id,)) or 0
    )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(0, page), pages - 1)
    rows = await db.fetchall(
        "SELECT service_id FROM favourites WHERE user_id = ?"
        " ORDER BY created_at DESC, service_id LIMIT ? OFFSET ?",
        (user_id, per_page, page * per_page),
    )
    ids = [str(row["service_id"]) for row in rows]
    services = await catalog.get_services(db, ids, default_markup=default_markup)
    items = [Favourite(sid, services.get(sid)) for sid in ids]
    return Page(items=items, page=page, pages=pages, total=total)
