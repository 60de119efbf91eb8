"""CSV exports: the operators' `/export orders|users|ledger [from] [to]` and a customer's own
order history ("My orders" -> Export).

Streamed: rows are read in keyset pages (`WHERE id > ? ORDER BY id LIMIT ?`, an index walk
that costs the same on the last page as on the first, unlike OFFSET) and written to a temp
file page by page, so 100,000 rows never sit in memory at once. The caller sends the file
and deletes it (`CsvExport.remove`).

Amounts are exact decimals of the shop currency (micro-units / 10^6), times ISO 8601 UTC.
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.money import MICRO

PAGE = 1000
KINDS = ("orders", "users", "ledger")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _money(value: Any) -> str:
    """Micro-units as the exact decimal (`money.from_micros`, written the same way), in
    integer arithmetic: a 100,000-row export formats half a million amounts."""
    if value is None:
        return ""
    micros = int(value)
    whole, part = divmod(abs(micros), MICRO)
    sign = "-" if micros < 0 else ""
    return f"{sign}{whole}.{part:06d}".rstrip("0").rstrip(".") if part else f"{sign}{whole}"


def _time(value: Any) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(value))) if value else ""


def _number(value: Any) -> Any:
    return "" if value is None else value


def _plain(value: Any) -> Any:
    return "" if value is None else safe_cell(value)


@dataclass(frozen=True)
class Table:
    """One export: the SQL columns, the CSV header, how each value is written."""

    source: str  # FROM ...
    time_column: str  # the column [from] [to] filter on
    columns: tuple[tuple[str, str, Callable[[Any], Any]], ...]  # (sql, header, format)
    id_column: str = "id"


_ORDER_COLUMNS = (
    ("o.id", "order_id", _number),
    ("o.user_id", "user_id", _number),
    ("o.service_id", "service_id", _plain),
    ("s.name", "service", _plain),
    ("o.status", "status", _plain),
    ("o.panel_order_id", "panel_order_id", _plain),
    ("o.link", "link", _plain),
    ("o.quantity", "quantity", _number),
    ("o.charge", "charge", _money),
    ("o.refunded", "refunded", _money),
    ("o.cost", "cost", _money),
    ("o.created_at", "created_at", _time),
    ("o.updated_at", "updated_at", _time),
)
TABLES: dict[str, Table] = {
    "orders": Table(
        "orders o LEFT JOIN services s ON s.id = o.service_id",
        "o.created_at",
        _ORDER_COLUMNS,
        id_column="o.id",
    ),
    "users": Table(
        "users",
        "first_seen",
        (
            ("id", "user_id", _number),
            ("username", "username", _plain),
            ("first_name", "first_name", _plain),
            ("language", "language", _plain),
            ("balance", "balance", _money),
            ("is_banned", "banned", _number),
            ("is_blocked", "blocked_bot", _number),
            ("first_seen", "first_seen", _time),
            ("last_seen", "last_seen", _time),
        ),
    ),
    "ledger": Table(
        "ledger",
        "created_at",
        (
            ("id", "entry_id", _number),
            ("user_id", "user_id", _number),
            ("kind", "kind", _plain),
            ("amount", "amount", _money),
            ("balance_after", "balance_after", _money),
            ("ref", "ref", _plain),
            ("order_id", "order_id", _number),
            ("note", "note", _plain),
            ("created_at", "created_at", _time),
        ),
    ),
}
# A customer's own history: no panel ids, no cost, nobody else's rows.
CUSTOMER_ORDERS = Table(
    "orders o LEFT JOIN services s ON s.id = o.service_id",
    "o.created_at",
    tuple(c for c in _ORDER_COLUMNS if c[1] not in ("user_id", "panel_order_id", "cost")),
    id_column="o.id",
)


@dataclass(frozen=True)
class CsvExport:
    path: Path
    rows: int
    filename: str  # what the customer or operator sees

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class BadPeriod(ValueError):
    """A date that is not YYYY-MM-DD, or `from` after `to`."""


def parse_period(args: Sequence[str]) -> tuple[date | None, date | None]:
    """`[from] [to]`, both YYYY-MM-DD (UTC days, `to` included)."""
    if len(args) > 2:
        raise BadPeriod("too many arguments")
    try:
        days = [date.fromisoformat(a) for a in args if DATE_RE.match(a) or _bad(a)]
    except ValueError:
        raise BadPeriod("not a date") from None
    start = days[0] if days else None
    end = days[1] if len(days) > 1 else None
    if start and end and start > end:
        raise BadPeriod("from is after to")
    return start, end


def _bad(text: str) -> bool:
    raise ValueError(text)


def _period_sql(column: str, start: date | None, end: date | None) -> tuple[str, tuple[int, ...]]:
    """The WHERE condition of [start, end] (whole UTC days) on `column`; only the bounds
    given, so no sentinel value has to fit the column's integer type."""
    terms, params = ["1 = 1"], []
    if start is not None:
        terms.append(f"{column} >= ?")
        params.append(_midnight(start))
    if end is not None:
        terms.append(f"{column} < ?")
        params.append(_midnight(end + timedelta(days=1)))
    return " AND ".join(terms), tuple(params)


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


async def write_csv(
    db: Database,
    kind: str,
    start: date | None = None,
    end: date | None = None,
    *,
    page: int = PAGE,
) -> CsvExport:
    """The operators' export of `kind` (one of KINDS), rows created in [start, end]."""
    table = TABLES[kind]
    where, params = _period_sql(table.time_column, start, end)
    period = f"-{start or 'start'}-{end or 'now'}" if start or end else ""
    return await _write(db, table, f"{kind}{period}.csv", where, params, page)


async def write_customer_orders(db: Database, user_id: int, *, page: int = PAGE) -> CsvExport:
    """One customer's orders, oldest first."""
    return await _write(db, CUSTOMER_ORDERS, "my-orders.csv", "o.user_id = ?", (user_id,), page)


async def _write(
    db: Database,
    table: Table,
    filename: str,
    where: str,
    params: tuple[Any, ...],
    page: int,
) -> CsvExport:
    columns = ", ".join(sql for sql, _, _ in table.columns)
    sql = (
        f"SELECT {columns} FROM {table.source} WHERE {where} AND {table.id_column} > ?"
        f" ORDER BY {table.id_column} LIMIT ?"
    )
    formats = [fmt for _, _, fmt in table.columns]
    handle, name = tempfile.mkstemp(prefix="export-", suffix=".csv")
    path = Path(name)
    rows = 0
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            out.write("\ufeff")  # a BOM: spreadsheet programs then read UTF-8 right
            writer = csv.writer(out)
            writer.writerow([header for _, header, _ in table.columns])
            last = 0
            while True:
                chunk = await db.fetchall(sql, (*params, last, page))
                if not chunk:
                    break
                # formatting and writing off the event loop: updates go on meanwhile
                await asyncio.to_thread(_write_page, writer, formats, chunk)
                rows += len(chunk)
                last = int(chunk[-1][0])
                del chunk
    except BaseException:
        CsvExport(path, rows, filename).remove()
        raise
    return CsvExport(path, rows, filename)


def _write_page(writer: Any, formats: list[Callable[[Any], Any]], chunk: list[Any]) -> None:
    writer.writerows([f(v) for f, v in zip(formats, row, strict=True)] for row in chunk)


def safe_cell(value: Any) -> Any:
    """A text a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first: a customer's
    link or name can be anything) is written with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
