from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db import Database, IntegrityError
from bot.db.database import _migrations
from tests.helpers import add_user

EXPECTED_TABLES = {
    "users": {
        "id",
        "username",
        "first_name",
        "language",
        "tg_language",
        "balance",
        "is_blocked",
        "is_banned",
        "first_seen",
        "last_seen",
    },
    "fsm": {"key", "state", "data", "updated_at"},
    "ledger": {
        "id",
        "user_id",
        "amount",
        "balance_after",
        "kind",
        "ref",
        "order_id",
        "note",
        "created_at",
    },
    "orders": {
        "id",
        "user_id",
        "service_id",
        "confirm_token",
        "status",
        "panel_order_id",
        "link",
        "quantity",
        "fields",
        "charge",
        "cost",
        "refunded",
    },
    "services": {
        "id",
        "category_id",
        "name",
        "type",
        "kind",
        "rate",
        "min_qty",
        "max_qty",
        "dripfeed",
        "refill",
        "cancel",
        "available",
        "hidden",
        "markup_percent",
    },
    "categories": {"id", "name", "markup_percent"},
    "order_events": {"id", "order_id", "old_status", "new_status", "at"},
    "outbox": {"id", "chat_id", "method", "key", "params", "buttons", "dedup", "status"},
    "payments": {
        "id",
        "user_id",
        "method",
        "status",
        "amount",
        "credited",
        "currency",
        "stars",
        "rate_micros",
        "provider_charge_id",
        "invoice_payload",
        "invoice_url",
        "paid_amount",
        "paid_asset",
        "flagged",
        "note",
        "refund_debit",
        "expires_at",
        "created_at",
        "paid_at",
        "refunded_at",
    },
}


async def test_migrations_build_the_schema(db: Database) -> None:
    version = await db.fetchval("PRAGMA user_version")
    assert version == _migrations()[-1][0]
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA busy_timeout") >= 1000
    for table, columns in EXPECTED_TABLES.items():
        rows = await db.fetchall(f"PRAGMA table_info({table})")
        found = {row["name"] for row in rows}
        assert columns <= found, (table, columns - found)
    ledger_ref = await db.fetchall("PRAGMA index_list(ledger)")
    assert any(row["unique"] for row in ledger_ref)
    charge = [r for r in await db.fetchall("PRAGMA index_list(payments)") if r["unique"]]
    assert ["method", "provider_charge_id"] in [
        [c["name"] for c in await db.fetchall(f"PRAGMA index_info({r['name']})")] for r in charge
    ]


async def test_migrations_are_numbered_and_idempotent(tmp_path: Path) -> None:
    numbers = [n for n, _, _ in _migrations()]
    assert numbers == sorted(numbers) and numbers[0] == 1
    path = tmp_path / "again.sqlite3"
    first = Database(path)
    await first.connect()
    await add_user(first, 1)
    await first.close()
    second = Database(path)
    await second.connect()  # applies nothing new, keeps data
    assert await second.fetchval("SELECT count(*) FROM users") == 1
    assert await second.migrate() == numbers[-1]
    await second.close()


async def test_failed_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO users (id, first_seen, last_seen) VALUES (5, 0, 0)")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_transactions_never_interleave(db: Database) -> None:
    """Concurrent read-modify-write transactions serialize: no update is lost."""
    await add_user(db, 1)

    async def bump() -> None:
        async with db.transaction() as conn:
            value = await conn.fetchval("SELECT balance FROM users WHERE id = 1")
            await asyncio.sleep(0)  # give another coroutine every chance to interleave
            await conn.execute("UPDATE users SET balance = ? WHERE id = 1", (value + 1,))

    await asyncio.gather(*(bump() for _ in range(50)))
    assert await db.fetchval("SELECT balance FROM users WHERE id = 1") == 50


async def test_foreign_keys_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await db.execute(
            "INSERT INTO ledger (user_id, amount, balance_after, kind, ref, created_at)"
            " VALUES (999, 1, 1, 'credit', 'x', 0)"
        )


async def test_ledger_is_append_only(db: Database) -> None:
    await add_user(db, 1, balance=5)
    with pytest.raises(IntegrityError):
        await db.execute("UPDATE ledger SET amount = 100")
    with pytest.raises(IntegrityError):
        await db.execute("DELETE FROM ledger")


async def _payment(db: Database, **values: object) -> int:
    row = {
        "user_id": 1,
        "method": "stars",
        "status": "created",
        "amount": 1_000_000,
        "currency": "USD",
        "created_at": 0,
        "updated_at": 0,
    }
    row.update(values)
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    async with db.transaction() as conn:
        found = await conn.fetchone(
            f"INSERT INTO payments ({names}) VALUES ({marks}) RETURNING id", tuple(row.values())
        )
    assert found is not None
    return int(found[0])


async def test_payments_are_guarded(db: Database) -> None:
    """Payments are money records: kept, one row per provider id, credits and states fixed."""
    await add_user(db, 1)
    first = await _payment(db, provider_charge_id="ch1", status="paid", credited=1_000_000)
    with pytest.raises(IntegrityError):  # the same charge twice
        await _payment(db, provider_charge_id="ch1")
    await _payment(db, method="cryptopay", provider_charge_id="ch1", status="pending")
    await _payment(db, status="pending")  # many rows without a provider id yet
    await _payment(db, status="pending")
    for statement in (
        "DELETE FROM payments WHERE id = ?",
        "UPDATE payments SET provider_charge_id = 'other' WHERE id = ?",
        "UPDATE payments SET credited = 5 WHERE id = ?",
        "UPDATE payments SET status = 'expired' WHERE id = ?",
        "UPDATE payments SET status = 'pending' WHERE id = ?",
        "UPDATE payments SET amount = -1 WHERE id = ?",
        "UPDATE payments SET method = 'paypal' WHERE id = ?",
        "UPDATE payments SET status = 'lost' WHERE id = ?",
    ):
        with pytest.raises(IntegrityError):
            await db.execute(statement, (first,))
    await db.execute("UPDATE payments SET status = 'refunding' WHERE id = ?", (first,))
    with pytest.raises(IntegrityError):
        await db.execute("UPDATE payments SET status = 'paid' WHERE id = ?", (first,))
    await db.execute("UPDATE payments SET status = 'refunded' WHERE id = ?", (first,))
    with pytest.raises(IntegrityError):
        await db.execute("UPDATE payments SET status = 'refunding' WHERE id = ?", (first,))
    later = await _payment(db, status="pending", method="cryptopay")
    await db.execute(  # a pending invoice learns its id once, then may expire
        "UPDATE payments SET provider_charge_id = 'inv9', status = 'expired' WHERE id = ?",
        (later,),
    )
    assert await db.fetchval("SELECT count(*) FROM payments") == 5
