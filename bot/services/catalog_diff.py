"""What a catalog sync would change: the panel's list checked entry by entry and diffed
against what is stored. Pure CPU over every service, so `catalog.sync` runs it in a thread
(asyncio.to_thread): on the event loop, 50,000 services stalled every update for a second.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.money import to_micros
from bot.panel import Service, SkippedService, safe_text

# logged as the catalog, where operators look for sync warnings
log = logging.getLogger("bot.services.catalog")


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


# what a sync writes, in _UPSERT_SERVICE's order (available is always 1 there)
STORED = (
    "id, category_id, name, description, type, kind, rate, min_qty, max_qty, dripfeed,"
    " refill, cancel, average_time, available, position, search_text"
)
_Change = tuple[Decimal, int, tuple[str, str, int, int]]


def usable_entries(answer: Sequence[Service], report: SyncReport) -> list[tuple[Service, int]]:
    """The panel's usable entries with their rates (pure CPU: run in a thread)."""
    checked = _usable(_dedupe(answer), report)
    report.total = len(checked)
    return checked


def stored_row(service: Service, rate: int, category_id: int, position: int) -> tuple[Any, ...]:
    """A service as a sync stores it (STORED's columns)."""
    kind = service.kind.value if service.kind is not None else None
    return (
        service.id,
        category_id,
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
        1,
        position,
        search_text(service.name, service.category),
    )


def upsert_row(
    checked: Sequence[tuple[Service, int]], position: int, category_ids: dict[str, int], now: int
) -> tuple[Any, ...]:
    """The parameters of catalog._UPSERT_SERVICE for the entry at `position`."""
    service, rate = checked[position]
    row = stored_row(service, rate, category_ids[service.category], position)
    return (*row[:13], *row[14:], now)


def plan(
    checked: list[tuple[Service, int]],
    stored: list[Any],
    category_ids: dict[str, int],
    report: SyncReport,
) -> tuple[list[int], list[str], list[_Change]]:
    """(positions in `checked` to upsert, ids gone from the panel, price changes), diffed
    against `stored`. The rows themselves are built a slice at a time as they are written
    (`upsert_row`): 10,000 of them at once are 3 MB of small objects at the sync's peak.

    Pure CPU over every service (tens of milliseconds per 10,000): run in a thread. A row
    stored exactly as listed is not rewritten, so a quiet re-sync writes almost nothing
    and holds the writer lock briefly."""
    existing = {row[0]: tuple(row) for row in stored}
    writes: list[int] = []
    changes: list[_Change] = []
    for position, (service, rate) in enumerate(checked):
        if service.kind is None:
            report.unknown_types.append((service.id, service.type))
        row = stored_row(service, rate, category_ids[service.category], position)
        old = existing.get(service.id)
        if old is None:
            report.added.append(service.id)
        else:
            old_rate, was_available = old[6], old[13]
            if not was_available:
                report.restored.append(service.id)
            if old_rate != rate:
                change = (service.id, service.name, old_rate, rate)
                changes.append((_relative_change(old_rate, rate), position, change))
            if old == row:
                continue
        writes.append(position)
    listed = {service.id for service, _ in checked}
    gone = [sid for sid, old in existing.items() if old[13] and sid not in listed]
    return writes, gone, changes
