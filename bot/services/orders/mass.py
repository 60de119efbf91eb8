"""Mass order: a list of `service_id | link | quantity` lines, checked and priced as one
summary, then placed as separate orders.

Each line becomes its own order through `placing.place_order`, with its own confirm token
(the list's token followed by the line's number), so every rule of a single order holds
per line: charged before `add`, `add` sent once, an unknown outcome held for the operators.
A second confirmation of the same list finds every token taken and places nothing. The
wallet is checked for the whole list before the first line is charged; then the lines go
to the panel with at most `MASS_ORDER_CONCURRENCY` requests in flight, and one line's
failure does not stop the others.

Only services ordered with a link and a quantity alone take part: the others need details
(comments, usernames...) a line cannot carry, and are refused line by line.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.config import Settings
from bot.db import Database
from bot.panel import PanelClient, normalize_kind
from bot.panel.models import OrderKind
from bot.services import catalog, wallet
from bot.services.alerts import Notices
from bot.services.maintenance import maintenance_on
from bot.services.order_input import InputError, ServiceLimits, parse_link, parse_quantity
from bot.services.orders import placing, queries
from bot.services.user_text import clean_line

log = logging.getLogger(__name__)

MAX_LINES = 100
MAX_LINE_CHARS = 2300  # a link of order_input.MAX_LINK_LEN, an id and a quantity
_SEPARATOR = re.compile(r"[|;\t]")
# Kinds a line can order: a link and a quantity are all they need.
LINE_KINDS = frozenset({OrderKind.DEFAULT})


class TooManyLines(ValueError):
    """More than MAX_LINES lines: the list is refused whole (no line silently dropped)."""


@dataclass(frozen=True)
class Line:
    """One line of the list, as checked. `problem` is None for a line that can be ordered,
    else why not: "format", "service" (unknown, hidden or unavailable), "extras" (the
    service needs more than a link and a quantity) or "input" (`error` says what)."""

    number: int  # the line's position in the message, from 1
    service_id: str = ""
    service_name: str = ""
    link: str = ""
    quantity: int = 0
    charge: int = 0
    problem: str | None = None
    error: InputError | None = None
    earlier_order: int | None = None  # an unfinished order of the same service and link
    earlier_status: str | None = None
    repeats: int | None = None  # an earlier line of this list with the same service and link

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def flagged(self) -> bool:
        """Valid, but the customer already has an unfinished order for it, or it repeats an
        earlier line: placed only with an explicit "order anyway"."""
        return self.valid and (self.earlier_order is not None or self.repeats is not None)


@dataclass(frozen=True)
class Checked:
    lines: list[Line]
    balance: int
    currency: str

    def chosen(self, anyway: bool) -> list[Line]:
        """The lines a confirmation places: the valid ones, the flagged ones only `anyway`."""
        return [ln for ln in self.lines if ln.valid and (anyway or not ln.flagged)]

    def total(self, anyway: bool) -> int:
        return sum(ln.charge for ln in self.chosen(anyway))

    @property
    def flagged(self) -> list[Line]:
        return [ln for ln in self.lines if ln.flagged]


@dataclass(frozen=True)
class Planned:
    """A line as the summary priced it: what Confirm places (stored in the dialog)."""

    number: int
    service_id: str
    link: str
    quantity: int
    charge: int

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.number, "s": self.service_id, "l": self.link, "q": self.quantity,
                "c": self.charge}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Planned:
        return cls(int(data["n"]), str(data["s"]), str(data["l"]), int(data["q"]), int(data["c"]))


@dataclass(frozen=True)
class LineResult:
    number: int
    result: placing.PlaceResult | None  # None: an error before anything was decided


@dataclass(frozen=True)
class BatchResult:
    outcome: str  # "done", "insufficient", "maintenance", "empty"
    lines: list[LineResult] = field(default_factory=list)
    missing: int = 0


# --------------------------------------------------------------------------- checking


def split_line(text: str) -> tuple[str, str, str] | None:
    """(service id, link, quantity) of one line, or None. The id is before the first
    separator and the quantity after the last one, so a link may hold `;` or `|`."""
    found = list(_SEPARATOR.finditer(text))
    if len(found) < 2:
        return None
    first, last = found[0], found[-1]
    service = text[: first.start()].strip().removeprefix("#")
    link = text[first.end() : last.start()].strip()
    quantity = text[last.end() :].strip()
    if not service or not link or not quantity:
        return None
    return service, link, quantity


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """The non-blank lines with their positions; raises TooManyLines past MAX_LINES."""
    found = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(found) > MAX_LINES:
        raise TooManyLines(len(found))
    return found


async def _check_line(
    db: Database, settings: Settings, user_id: int, number: int, text: str
) -> Line:
    parts = split_line(text[:MAX_LINE_CHARS])  # before cleaning, which makes a tab a space
    if parts is None:
        return Line(number, problem="format")
    service_id, raw_link, raw_quantity = (clean_line(part) for part in parts)
    if not service_id:
        return Line(number, problem="format")
    service = await catalog.get_service(db, service_id, default_markup=settings.markup_percent)
    kind = normalize_kind(service.kind) if service is not None else None
    if service is None or not service.offered or kind is None:
        return Line(number, service_id=service_id[:20], problem="service")
    base = Line(number, service_id=service.id, service_name=service.name)
    if kind not in LINE_KINDS:
        return replace(base, problem="extras")
    try:
        link = parse_link(raw_link)
        limits = ServiceLimits(kind, service.min_qty, service.max_qty)
        quantity = parse_quantity(raw_quantity, limits)
    except InputError as exc:
        return replace(base, problem="input", error=exc)
    draft = _draft(user_id, service.id, link, quantity)
    try:
        quote = await placing.quote(db, settings, draft, with_promo=False)
    except placing.ServiceUnavailable:
        return replace(base, problem="service")
    return replace(base, link=link, quantity=quantity, charge=quote.charge)


def _draft(user_id: int, service_id: str, link: str, quantity: int) -> placing.Draft:
    return placing.Draft(
        user_id=user_id,
        service_id=service_id,
        fields={"link": link, "quantity": quantity},
        quantity=quantity,
        link=link,
    )


async def check_lines(db: Database, settings: Settings, user_id: int, text: str) -> Checked:
    """Every line checked and priced, the same-link guard applied. Raises TooManyLines."""
    lines = [
        await _check_line(db, settings, user_id, number, raw)
        for number, raw in numbered_lines(text)
    ]
    earlier = await queries.unfinished_same_links(
        db, user_id, {(ln.service_id, ln.link) for ln in lines if ln.valid}
    )
    marked = []
    first_of: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.valid:
            key = (line.service_id, line.link)
            hit = earlier.get(key)
            if hit is not None:
                line = replace(line, earlier_order=hit[0], earlier_status=hit[1])
            if key in first_of:
                line = replace(line, repeats=first_of[key])
            first_of.setdefault(key, line.number)
        marked.append(line)
    return Checked(marked, await wallet.balance(db, user_id), await catalog.currency(db))


# --------------------------------------------------------------------------- placing


def line_token(batch_token: str, number: int) -> str:
    """The confirm token of one line: the same list confirmed twice gives the same tokens."""
    return f"{batch_token}{number:04d}"


async def place_batch(
    db: Database,
    panel: PanelClient,
    settings: Settings,
    notices: Notices,
    user_id: int,
    planned: Sequence[Planned],
    batch_token: str,
) -> BatchResult:
    """Place every planned line as its own order; see the module docstring."""
    if not planned:
        return BatchResult("empty")
    if await maintenance_on(db):
        return BatchResult("maintenance")
    total = sum(p.charge for p in planned)
    balance = await wallet.balance(db, user_id)
    if balance < total:
        return BatchResult("insufficient", missing=total - balance)
    gate = asyncio.Semaphore(settings.mass_order_concurrency)

    async def one(line: Planned) -> LineResult:
        async with gate:
            try:
                result = await placing.place_order(
                    db, panel, settings, notices,
                    _draft(user_id, line.service_id, line.link, line.quantity),
                    line_token(batch_token, line.number),
                    max_charge=line.charge, with_promo=False,
                )  # fmt: skip
            except Exception:
                log.exception("mass order %s: line %s failed", batch_token, line.number)
                return LineResult(line.number, None)
            return LineResult(line.number, result)

    results = await asyncio.gather(*(one(line) for line in planned))
    return BatchResult("done", list(results))
