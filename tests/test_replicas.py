"""Several replicas on one PostgreSQL database: two OS processes charging the same customer
at once never lose an update or overdraw (the user's row is locked while a balance is read
to be changed), and the ledger stays the sum of the balance."""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

import pytest

from bot.config import Settings
from bot.db import Database
from bot.services import wallet
from bot.services.orders import placing
from tests.fakes.panel import FakePanel
from tests.helpers import (
    ROOT,
    USER,
    add_stock_services,
    add_user,
    assert_ledger_consistent,
    draft,
)

ORDERS_EACH = 100
AFFORDABLE = 150


async def _charger(url: str, panel: FakePanel) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.charger", url, panel.url, panel.key, str(ORDERS_EACH),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_two_processes_charging_one_user_never_overdraw(
    db: Database, fake_panel: FakePanel, settings: Settings
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("replicas in separate processes share a PostgreSQL database")
    assert isinstance(db.target, str)
    fake_panel.balance = Decimal(10**6)  # the shop's panel account never runs out here
    await add_stock_services(db)
    await add_user(db, USER)
    charge = (await placing.quote(db, settings, draft(1000))).charge
    await add_user(db, 2)  # someone else, untouched
    await wallet.top_up(db, USER, AFFORDABLE * charge, ref="test:seed")

    procs = [await _charger(db.target, fake_panel) for _ in range(2)]
    # bounded: a stuck charger fails the test instead of hanging the run
    results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 300)
    outcomes: dict[str, int] = {}
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
        for name, n in json.loads(out.decode().strip().splitlines()[-1]).items():
            outcomes[name] = outcomes.get(name, 0) + n
    assert outcomes == {"placed": AFFORDABLE, "insufficient": 2 * ORDERS_EACH - AFFORDABLE}
    assert await db.fetchval("SELECT balance FROM users WHERE id = ?", (USER,)) == 0
    assert len(fake_panel.add_calls) == AFFORDABLE
    assert await db.fetchval("SELECT count(*) FROM orders WHERE status = 'pending'") == AFFORDABLE
    await assert_ledger_consistent(db)
