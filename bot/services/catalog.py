"""The shop's catalog: a local copy of the panel's services, kept in sync, and the queries
the shop browses and searches it with.

The panel's list is copied into SQLite in one transaction, so browsing never waits on the
panel and an order always refers to a service row that exists. Services that vanish are
marked unavailable, never deleted (orders refer to them). A service whose type the bot
does not know is stored but never offered: it is reported instead of guessed at.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from bot.db import Database, Queryable, Tx
from bot.memory import release_freed_memory
from bot.panel import Balance, PanelError, Service
from bot.services import catalog_counts, catalog_search, kv, pricing
from bot.services.catalog_diff import STORED, SyncReport, plan, upsert_row, usable_entries
from bot.services.catalog_diff import search_text as search_text

log = logging.getLogger(__name__)

T = TypeVar("T")

CURRENCY_KEY = "currency"
DEFAULT_CURRENCY = "USD"
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 100
# rows a sync reads or writes per statement: the event loop runs between slices
SLICE = 2000
# how many unknown types one log line names (the report carries all of them)
LOG_SAMPLE = 20

# A service the shop may sell: on the panel, not hidden by an operator, of a known type.
OFFERED = catalog_counts.OFFERED


class CatalogPanel(Protocol):
    """What the catalog needs from the panel client."""

    async def services(self) -> list[Service]:
        """A new list on every call: the sync empties it (a slice at a time) when done."""
        ...

    async def balance(self) -> Balance: ...


# --------------------------------------------------------------------------- sync


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
    Checking and diffing the list run in a thread (asyncio.to_thread), and the panel client
    parses a large answer in one too: a 50,000-service catalog never stalls the event loop.
    """
    try:
        with _collector_paused():
            report = await _sync(db, panel)
        try:
            await db.release_memory()  # the catalog pages the sync read and wrote
        except Exception:  # only a cache: the sync itself is done
            log.debug("could not release the database's caches", exc_info=True)
        return report
    finally:
        # the answer, its entries and the rows are freed by now (partly in other threads)
        release_freed_memory()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection while a sync builds a million short-lived objects.

    A full collection then walks all of them, holding the GIL for 50+ ms whichever thread
    triggers it, and the event loop waits that long. The sync's objects are freed by
    reference counting when it ends; the next collection runs on a heap of normal size."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def _release(*lists: list[Any]) -> None:
    """Empty the sync's big lists a slice at a time. Dropped at once on return, 50,000
    services and rows run their deallocators in one go: a stall of tens of milliseconds."""
    for items in lists:
        while items:
            del items[-SLICE:]
            await asyncio.sleep(0)


async def _stored_rows(conn: Tx) -> list[Any]:
    """Every stored service row (STORED columns), read in slices: one fetch of 50,000 rows
    holds the GIL, and so the event loop, for tens of milliseconds."""
    rows: list[Any] = []
    last = ""
    while True:
        chunk = await conn.fetchall(
            f"SELECT {STORED} FROM services WHERE id > ? ORDER BY id LIMIT ?", (last, SLICE)
        )
        rows.extend(chunk)
        if len(chunk) < SLICE:
            return rows
        last = chunk[-1][0]


async def _sync(db: Database, panel: CatalogPanel) -> SyncReport:
    answer = await panel.services()
    report = SyncReport(skipped=list(getattr(answer, "skipped", [])))
    checked = await asyncio.to_thread(usable_entries, answer, report)
    now = int(time.time())

    category_positions: dict[str, int] = {}
    for service, _ in checked:
        category_positions.setdefault(service.category, len(category_positions))

    async with db.transaction() as conn:
        stored = await _stored_rows(conn)
        await conn.executemany(
            "INSERT INTO categories (name, position) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            list(category_positions.items()),
        )
        category_ids = {
            row[1]: row[0] for row in await conn.fetchall("SELECT id, name FROM categories")
        }
        writes, gone, changes = await asyncio.to_thread(plan, checked, stored, category_ids, report)
        for start in range(0, len(writes), SLICE):  # the loop runs between slices
            rows = [
                upsert_row(checked, p, category_ids, now) for p in writes[start : start + SLICE]
            ]
            await conn.executemany(_UPSERT_SERVICE, rows)
            del rows
        # A skipped service is not sold at its old price either, but it is reported as
        # skipped (with why), not as removed from the panel.
        skipped = {entry.service_id for entry in report.skipped}
        report.removed = [sid for sid in gone if sid not in skipped]
        await conn.executemany(
            "UPDATE services SET available = 0, updated_at = ? WHERE id = ?",
            [(now, sid) for sid in gone],
        )
        await catalog_counts.recount_all(conn)
        await catalog_search.keep_in_display_order(conn)

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
    if not checked and stored:
        log.warning("the panel lists no services: every service is now unavailable")
    await _release(writes, checked, stored, answer)
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
    more: bool = False  # a search with more matches than `total` (catalog_search.CAP)

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
    """Categories with at least one offered service, in the panel's order, with counts
    (kept by catalog_counts: a press reads a few hundred short rows, not every service)."""
    rows = await db.fetchall(
        "SELECT id, name, offered FROM categories WHERE offered > 0 ORDER BY position, id"
    )
    page, pages, offset = _paging(len(rows), page, per_page)
    items = [
        CategoryView(id=row["id"], name=row["name"], count=row["offered"])
        for row in rows[offset : offset + per_page]
    ]
    return Page(items=items, page=page, pages=pages, total=len(rows))


async def get_category(db: Database, category_id: int) -> CategoryView | None:
    row = await db.quick.fetchone(
        "SELECT id, name, offered FROM categories WHERE id = ?", (category_id,)
    )
    if row is None:
        return None
    return CategoryView(id=row["id"], name=row["name"], count=row["offered"])


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
        await db.quick.fetchval("SELECT offered FROM categories WHERE id = ?", (category_id,)) or 0
    )
    page, pages, offset = _paging(total, page, per_page)
    rows = await db.quick.fetchall(
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
    row = await db.quick.fetchone(
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
    rows = await db.quick.fetchall(
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

    A query that is exactly a service id finds that service first. `%` and `_` are plain
    characters. Finding the page (a text index or a scan) is catalog_search's; a broad
    search's total stops at catalog_search.CAP (`Page.more`).
    """
    words = query_words(query)
    if not words:
        return Page(items=[], page=0, pages=1, total=0)
    exact_id = query.strip().removeprefix("#")
    per_page = max(1, per_page)
    page = max(0, page)
    found = await catalog_search.find(db, words, exact_id, per_page, page * per_page)
    if not found.ids and found.total and page > 0:  # a stale page number: show the last page
        page = math.ceil(found.total / per_page) - 1
        found = await catalog_search.find(db, words, exact_id, per_page, page * per_page)
    page, pages, _ = _paging(found.total, page, per_page)
    items: list[ServiceView] = []
    if found.ids:
        marks = ", ".join("?" for _ in found.ids)
        rows = await db.quick.fetchall(
            f"SELECT {_SERVICE_COLUMNS} FROM services s JOIN categories c"
            f" ON c.id = s.category_id WHERE s.id IN ({marks})",
            found.ids,
        )
        base = await pricing.global_markup(db, default_markup)
        by_id = {row["id"]: _service_view(row, base) for row in rows}
        items = [by_id[sid] for sid in found.ids if sid in by_id]
    return Page(items=items, page=page, pages=pages, total=found.total, more=found.more)
