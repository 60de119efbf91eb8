"""`python -m bot migrate-data --from sqlite:///path --to postgresql://...`: a shop's data
moved from its SQLite file to an empty PostgreSQL database, then checked.

The source is read in ONE read transaction (a consistent snapshot even while a bot still
writes; what it writes afterwards is not copied: stop the bot first). The target is
migrated to the latest schema and must hold no data. Rows are copied table by table,
parents first, with their ids; the order-history trigger is off during the copy (the
events are copied as they were), identity sequences are then set past the largest id.
Afterwards: the row count of every table, the sum of the balances and of the ledger, and
balance == ledger per user are compared with the source; any difference is an error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.db.base import Tx, is_postgres_url, sqlite_path
from bot.db.postgres import PostgresDatabase, redact_url

BATCH = 2000
# Parents before children (foreign keys are checked row by row). Tables not listed here
# (added by a later migration) follow in name order.
ORDER = (
    "users",
    "fsm",
    "kv",
    "categories",
    "services",
    "orders",
    "order_events",
    "ledger",
    "order_requests",
    "outbox",
    "admin_audit",
    "admin_members",
    "payments",
    "support_requests",
    "support_messages",
    "favourites",
    "referral_codes",
    "referrals",
    "referral_rewards",
    "promo_codes",
    "promo_redemptions",
    "promo_attempts",
)
# SQLite's own search index tables (migrations 012, 014): the target builds its own.
SQLITE_ONLY = frozenset({"service_search", "service_search_order"})
# Triggers that write rows on insert: off while copying (their rows are copied as they were).
INSERT_TRIGGERS = {"orders": ("orders_created",)}


class TransferError(Exception):
    """Why the copy was refused or did not check out; one line, no password."""


@dataclass
class TransferReport:
    rows: dict[str, int] = field(default_factory=dict)
    balances: int = 0
    ledger: int = 0


def _source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise TransferError(f"--from: no SQLite database at {path}")
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    conn.execute("BEGIN")  # one snapshot for every read below
    return conn


def _tables(conn: sqlite3.Connection) -> list[str]:
    """The source's tables, parents first; a virtual table (full-text search) and its
    shadow tables are left out: the target's migrations build their own index."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if "VIRTUAL TABLE" in (sql or "").upper()]
    names = {
        name
        for name, _ in rows
        if name not in virtual
        and name not in SQLITE_ONLY
        and not any(name.startswith(f"{v}_") for v in virtual)
    }
    return [t for t in ORDER if t in names] + sorted(names - set(ORDER))


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _batches(conn: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[list[Any]]:
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
    while rows := cursor.fetchmany(BATCH):
        yield rows


def _source_totals(conn: sqlite3.Connection) -> tuple[int, int, int]:
    balances = conn.execute("SELECT COALESCE(SUM(balance), 0) FROM users").fetchone()[0]
    ledger = conn.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger").fetchone()[0]
    return int(balances), int(ledger), _mismatched_sqlite(conn)


_MISMATCHED = (
    "SELECT COUNT(*) FROM users u WHERE u.balance <>"
    " COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.user_id = u.id), 0)"
)


def _mismatched_sqlite(conn: sqlite3.Connection) -> int:
    return int(conn.execute(_MISMATCHED).fetchone()[0])


async def _target_columns(db: PostgresDatabase, table: str) -> set[str]:
    rows = await db.fetchall(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return {str(r[0]) for r in rows}


async def _refuse_non_empty(db: PostgresDatabase, tables: list[str]) -> None:
    for table in tables:
        if await db.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise TransferError(f"--to: table {table} already holds data; the target must be empty")


async def transfer(
    source: str, target: str, progress: Callable[[str], None] = lambda _: None
) -> TransferReport:
    """Copy everything from the SQLite `source` to the PostgreSQL `target`; see the module."""
    if not is_postgres_url(target):
        raise TransferError("--to must be a postgresql:// URL")
    if is_postgres_url(source):
        raise TransferError("--from must be a SQLite database (sqlite:///path or a path)")
    src = _source(sqlite_path(source))
    db = PostgresDatabase(target)
    try:
        await db.connect()  # migrates the target to the latest schema
        tables = [t for t in _tables(src) if await _target_columns(db, t)]
        await _refuse_non_empty(db, tables)
        report = TransferReport()
        async with db.transaction() as tx:
            for table in tables:
                wanted = await _target_columns(db, table)
                columns = [c for c in _columns(src, table) if c in wanted]
                for trigger in INSERT_TRIGGERS.get(table, ()):
                    await tx.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER {trigger}')
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" for _ in columns)
                sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
                count = 0
                for rows in _batches(src, table, columns):
                    await tx.executemany(sql, rows)
                    count += len(rows)
                for trigger in INSERT_TRIGGERS.get(table, ()):
                    await tx.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER {trigger}')
                if "id" in columns and count:
                    await _sequence_past_max(tx, table)
                report.rows[table] = count
                progress(f"{table}: {count} row(s)")
        await _verify(src, db, report)
        return report
    except OSError as exc:
        raise TransferError(f"cannot copy ({exc})") from None
    finally:
        src.close()
        await db.close()


async def _sequence_past_max(tx: Tx, table: str) -> None:
    """The next id the table's identity column hands out follows the largest copied one."""
    sequence = await tx.fetchval("SELECT pg_get_serial_sequence(?, 'id')", (table,))
    if sequence is not None:
        await tx.fetchval(
            f'SELECT setval(CAST(? AS regclass), (SELECT MAX(id) FROM "{table}"))', (sequence,)
        )


async def _verify(src: sqlite3.Connection, db: PostgresDatabase, report: TransferReport) -> None:
    """Row counts, balances and the ledger on the target as in the source, or an error."""
    for table, copied in report.rows.items():
        source_rows = int(src.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
        target_rows = int(await db.fetchval(f'SELECT COUNT(*) FROM "{table}"'))
        if not source_rows == copied == target_rows:
            raise TransferError(
                f"{table}: {source_rows} row(s) in the source, {target_rows} in the target"
            )
    balances, ledger, mismatched = _source_totals(src)
    target_balances = int(await db.fetchval("SELECT COALESCE(SUM(balance), 0) FROM users"))
    target_ledger = int(await db.fetchval("SELECT COALESCE(SUM(amount), 0) FROM ledger"))
    target_mismatched = int(await db.fetchval(_MISMATCHED))
    if (target_balances, target_ledger) != (balances, ledger):
        raise TransferError(
            f"balances {target_balances} and ledger {target_ledger} in the target;"
            f" {balances} and {ledger} in the source"
        )
    if target_mismatched != mismatched:
        raise TransferError(f"{target_mismatched} user(s) whose balance is not their ledger sum")
    report.balances, report.ledger = target_balances, target_ledger


def describe(target: str) -> str:
    return redact_url(target)
