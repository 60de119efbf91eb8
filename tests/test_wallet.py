from __future__ import annotations

import asyncio

import pytest

from bot.db import Database
from bot.services import wallet
from tests.helpers import add_user


async def test_top_up_once_per_reference(db: Database) -> None:
    await add_user(db, 7)
    assert await wallet.top_up(db, 7, 5_000_000, ref="credit:1:10") is True
    assert await wallet.top_up(db, 7, 5_000_000, ref="credit:1:10") is False
    assert await wallet.balance(db, 7) == 5_000_000
    rows = await wallet.history(db, 7)
    assert [(r.amount, r.balance_after, r.ref) for r in rows] == [
        (5_000_000, 5_000_000, "credit:1:10")
    ]


async def test_debit_cannot_overdraw(db: Database) -> None:
    await add_user(db, 7, balance=1_000)
    with pytest.raises(wallet.InsufficientFunds) as info:
        async with db.transaction() as conn:
            await wallet.apply(conn, 7, -1_001, kind="charge", ref="order:1:charge")
    assert info.value.missing == 1
    assert await wallet.balance(db, 7) == 1_000
    assert await db.fetchval("SELECT count(*) FROM ledger WHERE ref = 'order:1:charge'") == 0


async def test_concurrent_debits_never_overdraw(db: Database) -> None:
    await add_user(db, 7, balance=10_000)

    async def spend(i: int) -> bool:
        try:
            async with db.transaction() as conn:
                await wallet.apply(conn, 7, -3_000, kind="charge", ref=f"order:{i}:charge")
            return True
        except wallet.InsufficientFunds:
            return False

    results = await asyncio.gather(*(spend(i) for i in range(10)))
    assert results.count(True) == 3
    assert await wallet.balance(db, 7) == 1_000
    total = await db.fetchval("SELECT sum(amount) FROM ledger WHERE user_id = 7")
    assert total == 1_000


async def test_unknown_user(db: Database) -> None:
    with pytest.raises(wallet.UnknownUser):
        await wallet.top_up(db, 404, 1, ref="x")
    with pytest.raises(ValueError):
        await wallet.top_up(db, 404, 0, ref="y")
