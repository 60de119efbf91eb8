"""The panel balance /stats shows: the last one read, with its age, kept in kv so a hung
panel never holds /stats up. A refresh runs in the background with a short deadline; /stats
waits for it only a moment."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.db import Database
from bot.panel.models import Balance
from bot.services import kv
from bot.services.catalog import CatalogPanel

log = logging.getLogger(__name__)

BALANCE_KEY = "panel:balance"
FRESH_FOR = 30  # seconds a balance read is shown without asking the panel again
REFRESH_DEADLINE = 3.0  # a background refresh gives up after this long
WAIT_FOR_REFRESH = 0.8  # /stats waits this long for a refresh, then shows the last one

# database -> its refresh in flight (one at a time: repeated /stats do not stack panel calls;
# the reference also keeps the task from being collected mid-way)
_refreshing: weakref.WeakKeyDictionary[Database, asyncio.Task[KnownBalance | None]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class KnownBalance:
    amount: Decimal
    currency: str
    at: int  # unix time it was read from the panel

    def age(self, now: int) -> int:
        return max(0, now - self.at)


async def last(db: Database) -> KnownBalance | None:
    raw = await kv.get(db, BALANCE_KEY)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return KnownBalance(Decimal(data["amount"]), str(data["currency"]), int(data["at"]))
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return None


async def remember(db: Database, balance: Balance, now: int) -> KnownBalance:
    known = KnownBalance(balance.amount, balance.currency, now)
    value = json.dumps({"amount": str(known.amount), "currency": known.currency, "at": now})
    async with db.transaction() as conn:
        await kv.put(conn, BALANCE_KEY, value)
    return known


async def refresh(
    db: Database, panel: CatalogPanel, deadline: float = REFRESH_DEADLINE
) -> KnownBalance | None:
    """Ask the panel now; None if it fails or does not answer within `deadline`."""
    try:
        answer = await asyncio.wait_for(panel.balance(), deadline)
        return await remember(db, answer, int(time.time()))
    except Exception as exc:  # TimeoutError included: the last known balance stays
        log.warning("panel balance unavailable: %r", exc)
        return None


@dataclass(frozen=True)
class ShownBalance:
    known: KnownBalance | None  # None: never read
    fresh: bool  # read just now or within FRESH_FOR; otherwise stale


async def current(
    db: Database,
    panel: CatalogPanel,
    *,
    wait: float = WAIT_FOR_REFRESH,
    deadline: float = REFRESH_DEADLINE,
) -> ShownBalance:
    """The balance to show: a recent one as it is, else a refresh if it comes within
    `wait`, else the last known one marked stale (the refresh goes on in the background)."""
    known = await last(db)
    if known is not None and known.age(int(time.time())) < FRESH_FOR:
        return ShownBalance(known, True)
    task = _refreshing.get(db)
    if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
        task = asyncio.create_task(refresh(db, panel, deadline), name="panel-balance-refresh")
        _refreshing[db] = task
    done, _ = await asyncio.wait({task}, timeout=wait)
    fresh = task.result() if done else None
    if fresh is not None:
        return ShownBalance(fresh, True)
    return ShownBalance(known, False)
