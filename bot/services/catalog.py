"""The shop's catalog: a local copy of the panel's services, kept in sync, and the queries
the shop browses and searches it with.

The panel's list is copied into SQLite in one transaction, so browsing never waits on the
panel and an order always refers to a service row that exists. Services that vanish are
marked unavailable, never deleted (orders refer to them). A service whose type the bot
does not know is stored but never offered: it is reported instead of guessed at.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from bot.db import Database, Queryable
from bot.money import to_micros
from bot.panel import Balance, PanelError, Service, SkippedService, safe_text
from bot.services import kv, pricing

log = logging.getLogger(__name__)

T = TypeVar("T")

CURRENCY_KEY = "currency"
DEFAULT_CURRENCY = "USD"
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 100
# how many unknown types one log line names (the report carries all of them)
LOG_SAMPLE = 20

# A service the shop may sell: on the panel, not hidden by an operator, of a known type.
OFFERED = "s.available = 1 AND s.hidden = 0 AND s.kind IS NOT NULL"


class CatalogPanel(Protocol):
    """What the catalog needs from the panel client."""

    async def services(self) -> list[Service]: ...

    async def balance(self) -> Balance: ...


# --------------------------------------------------------------------------- sync


@dataclass
class SyncReport:
    total: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # (service_id, name, old_rate_micros, new_rate_micros), biggest relative change first
    price_changes: list[tuple[str, str, int, int]] = field(default_factory=list)
    # (service_id, type as the panel spells it)
    unknown_types: list[tuple[str, str]] = field(default_factory=list)
    # back on the panel after having vanished
    restored: list[str] = field(default_factory=list)
    # entries of the panel's list that could not be used (absurd numbers, no id...), each
    # with an operator-safe reason; the rest of the catalog is synced without them
    skipped: list[SkippedService] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.price_changes or self.restored)


def search_text(name: str, category: str) -> str:
    # The id is matched exactly by `search`, not as a substring: "5" must not find 15, 150...
    return f"{name}\n{category}".lower()


def _relative_change(old: int, new: int) -> Decimal:
    if old == 0:
        return Decimal("Infinity") if new else Decimal(0)
    return abs(Decimal(new - old) / Decimal(old))


# SQLite (and PostgreSQL BIGINT) integers are signed 64-bit.
MAX_STORED_INT = 2**63 - 1


def _check(service: Service) -> int:
    """The rate in micro-units, or ValueError/ArithmeticError if the row cannot be stored.

    The client already refuses absurd entries; this is the catalog's own guarantee, for
    any panel object: one bad entry is skipped, it never rolls back the whole sync."""
    rate = to_micros(service.rate, round_up=True)
    if not (0 <= rate <= MAX_STORED_INT and 0 <= service.min <= service.max <= MAX_STORED_INT):
        raise ValueError(f"rate {rate}, min {service.min} or max {service.max} out of range")
    texts = (service.id, service.name, service.category, service.type, service.description)
    "".join((*texts, service.average_time or "")).encode("utf-8")  # no lone surrogates
    return rate


def _usable(services: Sequence[Service], report: SyncReport) -> list[tuple[Service, int]]:
    usable: list[tuple[Service, int]] = []
    for service in services:
        try:
            usable.append((service, _check(service)))
        except (ValueError, ArithmeticError) as exc:
            sid, name = safe_text(service.id, limit=40), safe_text(service.name, limit=80)
            reason = safe_text(str(exc) or type(exc).__name__)
            report.skipped.append(SkippedService(service_id=sid, name=name, reason=reason))
    return usable


def _dedupe(services: Sequence[Service]) -> list[Service]:
    seen: set[str] = set()
    unique: list[Service] = []
    for service in services:
        if service.id in seen:
            log.warning("panel lists service %s twice; keeping the first", service.id)
            continue
        seen.add(service.id)
        unique.append(service)
    return unique


_UPSERT_SERVICE = """
INSERT INTO services (id, category_id, name, description, type, kind, rate, min_qty, max_qty,
                      dripfeed, refill, cancel, average_time, available, position, search_text,
                      updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    category_id = excluded.category_id, name = excluded.name,
    description = excluded.description, type = excluded.type, kind = excluded.kind,
    rate = excluded.rate, min_qty = excluded.min_qty, max_qty = excluded.max_qty,
    dripfeed = excluded.dripfeed, refill = excluded.refill, cancel = excluded.cancel,
    average_time = excluded.average_time, available = 1, position = excluded.position,
    search_text = excluded.search_text, updated_at = excluded.updated_at
"""


async def sync(db: Database, panel: CatalogPanel) -> SyncReport:
    """Copy the panel's service list into the database and report what changed.

    Operator settings (hidden, markup overrides) survive: the upsert never touches them.
    """
    answer = await panel.services()
    report = SyncReport(skipped=list(getattr(answer, "skipped", [])))
    checked = _usable(_dedupe(answer), report)
    services = [service for service, _ in checked]
    report.total = len(services)
    now = int(time.time())

    category_positions: dict[str, int] = {}
    for service in services:
        category_positions.setdefault(service.category, len(category_positions))

    async with db.transaction() as conn:
        existing = {
            row[0]: (row[1], row[2], row[3])
            for row in await conn.fetchall("SELECT id, name, rate, available FROM services")
        }

        await conn.executemany(
            "INSERT INTO categories (name, position) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            list(category_positions.items()),
        )
        category_ids = {
            row[1]: row[0] for row in await conn.fetchall("SELECT id, name FROM categories")
        }

        rows: list[tuple[Any, ...]] = []
        changes: list[tuple[Decimal, int, tuple[str, str, int, int]]] = []
        for position, (service, rate) in enumerate(checked):
            kind = service.kind.value if service.kind is not None else None
            if kind is None:
                report.unknown_types.append((service.id, service.type))
            old = existing.get(service.id)
            if old is None:
                report.added.append(service.id)
            else:
                _, old_rate, was_available = old
                if not was_available:
                    report.restored.append(service.id)
                if old_rate != rate:
                    change = (service.id, service.name, old_rate, rate)
                    changes.append((_relative_change(old_rate, rate), position, change))
            rows.append(
                (
                    service.id,
                    category_ids[service.category],
                    service.name,
                    service.description,
                    service.type,
                    kind,
                    rate,
                    service.min,
                    service.max,
                    int(service.dripfeed),
                    int(service.refill),
                    int(service.cancel),
                    service.average_time,
                    position,
                    search_text(service.name, service.category),
                    now,
                )
            )
        await conn.executemany(_UPSERT_SERVICE, rows)

        listed = {service.id for service in services}
        gone = [sid for sid, (_, _, on) in existing.items() if on and sid not in listed]
        # A skipped service is not sold at its old price either, but it is reported as
        # skipped (with why), not as removed from the panel.
        skipped = {entry.service_id for entry in report.skipped}
        report.removed = [sid for sid in gone if sid not in skipped]
        await conn.executemany(
            "UPDATE services SET available = 0, updated_at = ? WHERE id = ?",
            [(now, sid) for sid in gone],
        )

    changes.sort(key=lambda item: (-item[0], item[1]))
    report.price_changes = [change for _, _, change in changes]
    if report.unknown_types:
        sample = ", ".join(f"{sid}={kind!r}" for sid, kind in report.unknown_types[:LOG_SAMPLE])
        log.warning(
            "%d services have a type the bot does not know and are not offered: %s%s",
            len(report.unknown_types),
            sample,
            " ..." if len(report.unknown_types) > LOG_SAMPLE else "",
        )
    if report.skipped:
        sample = "; ".join(f"{e.service_id}: {e.reason}" for e in report.skipped[:LOG_SAMPLE])
        more = " ..." if len(report.skipped) > LOG_SAMPLE else ""
        log.warning("%d panel services skipped: %s%s", len(report.skipped), sample, more)
    if not services and existing:
        log.warning("the panel lists no services: every service is now unavailable")
    log.info(
        "catalog synced: %d services, %d added, %d removed, %d restored, %d price changes,"
        " %d skipped",
        report.total,
        len(report.added),
        len(report.removed),
        len(report.restored),
        len(report.price_changes),
        len(report.skipped),
    )
    return report


async def refresh_currency(db: Database, panel: CatalogPanel) -> str:
    """Ask the panel which currency its rates are in and remember it."""
    answer = await panel.balance()
    code = answer.currency.strip().upper() or DEFAULT_CURRENCY
    async with db.transaction() as conn:
        await kv.put(conn, CURRENCY_KEY, code)
    return code


async def currency(source: Queryable) -> str:
    """The panel currency every amount is shown in (`source`: see kv.get)."""
    return await kv.get(source, CURRENCY_KEY) or DEFAULT_CURRENCY


def _describe(exc: Exception) -> str:
    # Panel errors are already redacted and short; anything else only by its type and text.
    return str(exc) if isinstance(exc, PanelError) else f"{type(exc).__name__}: {exc}"


async def sync_loop(
    db: Database,
    panel: CatalogPanel,
    interval: int,
    on_report: Callable[[SyncReport], Awaitable[None]] | None = None,
) -> None:
    """Sync now, then every `interval` seconds. A failure is logged and retried next time."""
    while True:
        try:
            report = await sync(db, panel)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "catalog sync failed, retrying in %d s: %s",
                interval,
                _describe(exc),
                exc_info=not isinstance(exc, PanelError),
            )
        else:
            if on_report is not None:
                try:
                    await on_report(report)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("could not deliver the catalog sync report")
        try:
            await refresh_currency(db, panel)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("could not read the panel currency: %s", _describe(exc))
        await asyncio.sleep(interval)


# --------------------------------------------------------------------------- browsing


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int  # 0-based, clamped to the existing pages
    pages: int  # at least 1, even when empty
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


@dataclass(frozen=True)
class CategoryView:
    id: int
    name: str
    count: int


@dataclass(frozen=True)
class ServiceView:
    id: str
    name: str
    category_id: int
    category: str
    description: str
    kind: str | None
    rate_micros: int  # the panel's rate: per 1000, or per package
    unit_price: int  # what the user pays per 1000 (or per package), markup included
    markup: Decimal
    min_qty: int
    max_qty: int
    dripfeed: bool
    refill: bool
    cancel: bool
    average_time: str | None
    is_package: bool
    offered: bool


def _paging(total: int, page: int, per_page: int) -> tuple[int, int, int]:
    """(page, pages, offset) with `page` clamped, so a stale button still shows something."""
    per_page = max(1, per_page)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(0, page), pages - 1)
    return page, pages, page * per_page


_SERVICE_COLUMNS = (
    "s.id, s.name, s.category_id, c.name AS category, s.description, s.kind, s.rate,"
    " s.min_qty, s.max_qty, s.dripfeed, s.refill, s.cancel, s.average_time,"
    " s.available, s.hidden, s.markup_percent AS s_markup, c.markup_percent AS c_markup"
)


def _service_view(row: Any, base_markup: Decimal) -> ServiceView:
    kind = row["kind"]
    markup = pricing.effective_markup(base_markup, row["c_markup"], row["s_markup"])
    return ServiceView(
        id=row["id"],
        name=row["name"],
        category_id=row["category_id"],
        category=row["category"],
        description=row["description"],
        kind=kind,
        rate_micros=row["rate"],
        unit_price=pricing.unit_price(row["rate"], kind, markup),
        markup=markup,
        min_qty=row["min_qty"],
        max_qty=row["max_qty"],
        dripfeed=bool(row["dripfeed"]),
        refill=bool(row["refill"]),
        cancel=bool(row["cancel"]),
        average_time=row["average_time"],
        is_package=pricing.is_package(kind),
        offered=bool(row["available"]) and not row["hidden"] and kind is not None,
    )


async def list_categories(db: Database, page: int, per_page: int = 10) -> Page[CategoryView]:
    """Categories with at least one offered service, in the panel's order, with counts."""
    rows = await db.fetchall(
        "SELECT c.id, c.name, COUNT(*) AS count FROM services s"
        " JOIN categories c ON c.id = s.category_id"
        f" WHERE {OFFERED} GROUP BY c.id ORDER BY c.position, c.id"
    )
    page, pages, offset = _paging(len(rows), page, per_page)
    items = [
        CategoryView(id=row["id"], name=row["name"], count=row["count"])
        for row in rows[offset : offset + per_page]
    ]
    return Page(items=items, page=page, pages=pages, total=len(rows))


async def get_category(db: Database, category_id: int) -> CategoryView | None:
    row = await db.fetchone(
        "SELECT c.id, c.name, (SELECT COUNT(*) FROM services s"
        f"  WHERE s.category_id = c.id AND {OFFERED}) AS count"
        " FROM categories c WHERE c.id = ?",
        (category_id,),
    )
    if row is None:
        return None
    return CategoryView(id=row["id"], name=row["name"], count=row["count"])


async def list_services(
    db: Database,
    category_id: int,
    page: int,
    per_page: int = 10,
    *,
    default_markup: Decimal = Decimal(0),
) -> Page[ServiceView]:
    """Offered services of one category, in the panel's order, priced with markup."""
    total = int(
        await db.fetchval(
            f"SELECT COUNT(*) FROM services s WHERE s.category_id = ? AND {OFFERED}",
            (category_id,),
        )
    )
    page, pages, offset = _paging(total, page, per_page)
    rows = await db.fetchall(
        f"SELECT {_SERVICE_COLUMNS} FROM services s JOIN categories c ON c.id = s.category_id"
        f" WHERE s.category_id = ? AND {OFFERED} ORDER BY s.position, s.id LIMIT ? OFFSET ?",
        (category_id, per_page, offset),
    )
    base = await pricing.global_markup(db, default_markup)
    items = [_service_view(row, base) for row in rows]
    return Page(items=items, page=page, pages=pages, total=total)


async def get_service(
    db: Database, service_id: str, *, default_markup: Decimal = Decimal(0)
) -> ServiceView | None:
    """Any stored service, offered or not (see `offered`): the card and the order dialog
    re-read it on every press, so a price never comes from a button."""
    row = await db.fetchone(
        f"SELECT {_SERVICE_COLUMNS} FROM services s JOIN categories c ON c.id = s.category_id"
        " WHERE s.id = ?",
        (str(service_id),),
    )
    if row is None:
        return None
    return _service_view(row, await pricing.global_markup(db, default_markup))


async def get_services(
    db: Database, service_ids: Sequence[str], *, default_markup: Decimal = Decimal(0)
) -> dict[str, ServiceView]:
    """`get_service` for several ids in one query (a page of favourites): id -> service, for
    the ids that are stored, offered or not."""
    if not service_ids:
        return {}
    marks = ", ".join("?" for _ in service_ids)
    rows = await db.fetchall(
        f"SELECT {_SERVICE_COLUMNS} FROM services s JOIN categories c ON c.id = s.category_id"
        f" WHERE s.id IN ({marks})",
        [str(sid) for sid in service_ids],
    )
    base = await pricing.global_markup(db, default_markup)
    return {str(row["id"]): _service_view(row, base) for row in rows}


def query_words(query: str) -> list[str]:
    """The words of a search, lower-cased, duplicates dropped, bounded in number and size."""
    words = query[:MAX_QUERY_CHARS].lower().split()
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


async def search(
    db: Database,
    query: str,
    page: int,
    per_page: int = 10,
    *,
    default_markup: Decimal = Decimal(0),
) -> Page[ServiceView]:
    """Offered services whose name or category holds every word, in any order and case.

    A query that is exactly a service id finds that service first. Words are matched with
    instr(), not LIKE, so `%` and `_` are plain characters.
    """
    words = query_words(query)
    if not words:
        return Page(items=[], page=0, pages=1, total=0)
    exact_id = query.strip().removeprefix("#")
    conditions = " AND ".join("instr(s.search_text, ?) > 0" for _ in words)
    where = f"{OFFERED} AND (s.id = ? OR ({conditions}))"
    params: list[Any] = [exact_id, *words]
    # One scan gives the page and the total (COUNT OVER): a search costs one pass, not two.
    sql = (
        f"SELECT {_SERVICE_COLUMNS}, COUNT(*) OVER () AS total"
        " FROM services s JOIN categories c ON c.id = s.category_id"
        f" WHERE {where} ORDER BY s.id = ? DESC, c.position, s.position, s.id LIMIT ? OFFSET ?"
    )
    per_page = max(1, per_page)
    page = max(0, page)
    rows = await db.fetchall(sql, [*params, exact_id, per_page, page * per_page])
    if rows:
        total = int(rows[0]["total"])
    else:
        total = int(await db.fetchval(f"SELECT COUNT(*) FROM services s WHERE {where}", params))
        if total and page > 0:  # a stale page number: show the last page
            page = math.ceil(total / per_page) - 1
            rows = await db.fetchall(sql, [*params, exact_id, per_page, page * per_page])
    page, pages, _ = _paging(total, page, per_page)
    base = await pricing.global_markup(db, default_markup)
    items = [_service_view(row, base) for row in rows]
    return Page(items=items, page=page, pages=pages, total=total)
