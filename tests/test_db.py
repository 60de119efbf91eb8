from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db import Database, IntegrityError, for_update
from bot.db.database import _migrations, migrations
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


async def _columns(db: Database, table: str) -> set[str]:
    if db.dialect == "sqlite":
        return {row["name"] for row in await db.fetchall(f"PRAGMA table_info({table})")}
    rows = await db.fetchall(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return {row[0] for row in rows}


async def _version(db: Database) -> int:
    if db.dialect == "sqlite":
        return int(await db.fetchval("PRAGMA user_version"))
    return int(await db.fetchval("SELECT version FROM schema_version"))


async def test_migrations_build_the_schema(db: Database) -> None:
    assert await _version(db) == _migrations()[-1][0]
    for table, columns in EXPECTED_TABLES.items():
        found = await _columns(db, table)
        assert columns <= found, (table, columns - found)
    if db.dialect != "sqlite":
        return
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA busy_timeout") >= 1000
    ledger_ref = await db.fetchall("PRAGMA index_list(ledger)")
    assert any(row["unique"] for row in ledger_ref)
    charge = [r for r in await db.fetchall("PRAGMA index_list(payments)") if r["unique"]]
    assert ["method", "provider_charge_id"] in [
        [c["name"] for c in await db.fetchall(f"PRAGMA index_info({r['name']})")] for r in charge
    ]


def test_both_engines_have_the_same_migrations() -> None:
    """PostgreSQL's migrations carry the same numbers and names as SQLite's: a new table
    lands on both engines."""
    sqlite = [(number, name) for number, name, _ in migrations("migrations")]
    postgres = [(number, name) for number, name, _ in migrations("migrations_pg")]
    assert postgres == sqlite


async def test_postgres_ids_and_money_are_bigint(db: Database) -> None:
    """A 32-bit integer overflows at about 2,147 currency units and below today's Telegram
    ids: every integer column on PostgreSQL that holds an id, money or a time is BIGINT."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL column types")
    rows = await db.fetchall(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND data_type IN ('integer', 'smallint')"
    )
    small = {f"{r['table_name']}.{r['column_name']}" for r in rows}
    # flags and small counters only
    allowed_suffixes = ("is_blocked", "is_banned", "dripfeed", "refill", "cancel", "available",
                        "hidden", "poll_errors", "attempts", "active", "is_admin", "flagged",
                        "replies", "schema_version.id")  # fmt: skip
    assert {c for c in small if not c.endswith(allowed_suffixes)} == set()


async def test_migrations_are_numbered_and_idempotent(database_target: Path | str) -> None:
    numbers = [n for n, _, _ in _migrations()]
    assert numbers == sorted(numbers) and numbers[0] == 1
    first = Database(database_target)
    await first.connect()
    await add_user(first, 1)
    await first.close()
    second = Database(database_target)
    await second.connect()  # applies nothing new, keeps data
    assert await second.fetchval("SELECT count(*) FROM users") == 1
    assert await second.migrate() == numbers[-1]
    await second.close()


async def test_replicas_starting_together_migrate_once(database_target: Path | str) -> None:
    """Several processes' first connect at once: each migration is applied exactly once
    (PostgreSQL: under an advisory lock), and all of them end at the latest version."""
    if not isinstance(database_target, str):
        pytest.skip("several replicas share a PostgreSQL database only")
    replicas = [Database(database_target) for _ in range(5)]
    await asyncio.gather(*(replica.connect() for replica in replicas))
    try:
        for replica in replicas:
            assert await replica.migrate() == numbers_latest()
        # each trigger once: one order_events row per status change, not five
        await add_user(replicas[0], 1)
        assert await replicas[1].fetchval("SELECT count(*) FROM users") == 1
        triggers = await replicas[0].fetchval(
            "SELECT count(*) FROM information_schema.triggers"
            " WHERE trigger_schema = current_schema() AND trigger_name = 'orders_created'"
        )
        assert triggers == 1
    finally:
        for replica in replicas:
            await replica.close()


def numbers_latest() -> int:
    return _migrations()[-1][0]


async def test_failed_transaction_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO users (id, first_seen, last_seen) VALUES (5, 0, 0)")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_release_memory_keeps_the_data_and_the_writer(db: Database) -> None:
    """Dropping the caches a big job filled (SQLite: the writer's page cache) loses
    nothing, even with writes racing it."""
    await add_user(db, 1)

    async def write(n: int) -> None:
        async with db.transaction() as conn:
            await conn.execute("UPDATE users SET balance = balance + ? WHERE id = 1", (n,))

    await asyncio.gather(db.release_memory(), write(2), db.release_memory(), write(3))
    assert await db.fetchval("SELECT balance FROM users WHERE id = 1") == 5
    await write(4)
    assert await db.fetchval("SELECT balance FROM users WHERE id = 1") == 9


async def test_transactions_never_interleave(db: Database) -> None:
    """Concurrent read-modify-write transactions serialize: no update is lost (on
    PostgreSQL, because the row read to be changed is locked: `for_update`)."""
    await add_user(db, 1)

    async def bump() -> None:
        async with db.transaction() as conn:
            value = await conn.fetchval(f"SELECT balance FROM users WHERE id = 1{for_update(conn)}")
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


async def test_quick_reads_see_what_was_just_committed(db: Database) -> None:
    """`db.quick` (key lookups) reads the same committed data as the database's own reads,
    including a row written a moment before, on both engines."""
    await add_user(db, 4242, balance=7)
    row = await db.quick.fetchone("SELECT id, balance FROM users WHERE id = ?", (4242,))
    assert row is not None and (row["id"], row[1]) == (4242, 7)
    await db.execute("UPDATE users SET balance = 9 WHERE id = ?", (4242,))
    assert await db.quick.fetchval("SELECT balance FROM users WHERE id = ?", (4242,)) == 9
    assert await db.quick.fetchall("SELECT id FROM users WHERE id = ?", (1,)) == []
    with pytest.raises(Exception, match="no_such_table"):
        await db.quick.fetchall("SELECT * FROM no_such_table")


async def test_a_quick_read_its_connection_cannot_answer_goes_the_usual_way(
    tmp_path: Path,
) -> None:
    """SQLite answers a key lookup on the event loop's thread; when that connection cannot
    (busy, closed, another thread), the read goes through a reader connection instead."""
    db = Database(tmp_path / "quick.sqlite3")
    await db.connect()
    try:
        await add_user(db, 5, balance=3)
        inline = db._inline  # type: ignore[attr-defined]
        assert inline is not None
        assert await db.quick.fetchval("SELECT balance FROM users WHERE id = ?", (5,)) == 3
        inline.close()  # now it raises sqlite3.ProgrammingError on every statement
        assert await db.quick.fetchval("SELECT balance FROM users WHERE id = ?", (5,)) == 3
    finally:
        await db.close()
