"""The payments' background work, run by the Supervisor (started in bot/app.py on_startup).

- Stars reconciliation, every PAYMENTS_RECONCILE_SECONDS: reads the bot's Star transactions
  from the stored cursor on (getStarTransactions lists them oldest first; `fetch` is the
  Telegram call, injected so this module stays free of aiogram) and hands each page to
  `service.reconcile_stars`, which credits payments whose update was lost, once.
- Crypto Pay polling, every CRYPTO_POLL_SECONDS: `crypto_service.poll_crypto` asks Crypto Pay
  only about our open invoices (none open: no request at all), so a short interval costs
  nothing while nobody is paying. 20 s: a customer who paid in CryptoBot and comes back sees
  the money within seconds of a minute, and one app's few requests a minute stay far below
  any rate limit.

A pass that fails (Telegram or Crypto Pay down, the database busy) is logged and tried again
at the next interval; `on_enqueued` (the outbox sender's wake) is called when a pass queued
receipts or alerts, so they go out at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.db import Database
from bot.payments import crypto_service, service
from bot.payments.cryptopay import CryptoPayClient
from bot.payments.models import PaymentConfig, StarTx

log = logging.getLogger(__name__)

PAGE = 100  # getStarTransactions: limit 1-100
MAX_PAGES = 50  # one pass reads at most this many pages; the next pass goes on from there
CRYPTO_POLL_SECONDS = 20.0
# A payment made in the last minute normally has its update on the way: it is left for the
# next pass rather than "recovered" (and reported to the operators) ahead of its update.
UPDATE_GRACE = 60

StarFetch = Callable[[int, int], Awaitable[Sequence[StarTx]]]


def _settled(cutoff: int) -> Callable[[StarTx], bool]:
    return lambda tx: tx.date <= cutoff


async def reconcile_stars_once(
    db: Database,
    config: PaymentConfig,
    fetch: StarFetch,
    page: int = PAGE,
    now: int | None = None,
) -> int:
    """Read every Star transaction after the cursor (up to UPDATE_GRACE seconds ago);
    returns how many payments it changed (a lost one credited, a refund confirmed)."""
    offset = await service.stars_cursor(db)
    changed = 0
    for _ in range(MAX_PAGES):
        fetched = list(await fetch(offset, page))
        cutoff = (now or int(time.time())) - UPDATE_GRACE
        # oldest first: everything from the first too-recent one on waits for the next pass
        settled = list(itertools.takewhile(_settled(cutoff), fetched))
        result = await service.reconcile_stars(db, config, settled, offset)
        changed += len(result.recovered) + result.refunds_confirmed
        offset = result.next_offset
        if len(fetched) < page or len(settled) < len(fetched):
            break
    return changed


async def _every(
    name: str, interval: float, once: Callable[[], Awaitable[bool]], stop: asyncio.Event | None
) -> None:
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await once()
        except Exception:
            log.exception("%s pass failed; trying again in %.0f s", name, interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


class StarsReconciler:
    def __init__(
        self,
        db: Database,
        config: PaymentConfig,
        fetch: StarFetch,
        interval: float,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.fetch = fetch
        self.interval = interval
        self.on_enqueued = on_enqueued

    async def once(self) -> bool:
        changed = await reconcile_stars_once(self.db, self.config, self.fetch) > 0
        if changed and self.on_enqueued is not None:
            self.on_enqueued()  # receipts, alerts, refund notices were queued
        return changed

    async def run(self, stop: asyncio.Event | None = None) -> None:
        await _every("Stars reconciliation", self.interval, self.once, stop)


class CryptoPoller:
    def __init__(
        self,
        db: Database,
        client: CryptoPayClient,
        config: PaymentConfig,
        interval: float = CRYPTO_POLL_SECONDS,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.config = config
        self.interval = interval
        self.on_enqueued = on_enqueued

    async def once(self) -> bool:
        result = await crypto_service.poll_crypto(self.db, self.client, self.config)
        changed = any(r.outcome in ("credited", "flagged", "unknown") for r in result.credited)
        if changed and self.on_enqueued is not None:
            self.on_enqueued()
        return changed

    async def run(self, stop: asyncio.Event | None = None) -> None:
        await _every("Crypto Pay poll", self.interval, self.once, stop)
