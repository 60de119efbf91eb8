""" "Order again": an earlier order's answers, checked against the service as it is today.

The order row's `fields` are exactly what was sent to the panel's `add`; they are read back
into the dialog's answers (`Step -> value`) and every answer is checked again with the
dialog's own checks (`order_input.parse_answer`) against today's limits and type. The
dialog then goes straight to the summary (today's price, a new confirm token), or to the
first step whose old answer no longer fits, saying why. Nothing here charges or places:
Confirm is the dialog's, with all its rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from bot.db import Database
from bot.panel.models import OrderKind, normalize_kind
from bot.services import catalog
from bot.services.catalog import ServiceView
from bot.services.order_input import (
    LIST_STEPS,
    OPTIONAL_STEPS,
    InputError,
    ServiceLimits,
    Step,
    is_needed,
    parse_answer,
    plan,
)
from bot.services.orders import queries

# The panel `add` field each step's answer is sent as (order_input.build_fields).
FIELD_OF_STEP: dict[Step, str] = {
    Step.LINK: "link",
    Step.QUANTITY: "quantity",
    Step.RUNS: "runs",
    Step.INTERVAL: "interval",
    Step.COMMENTS: "comments",
    Step.USERNAMES: "usernames",
    Step.HASHTAGS: "hashtags",
    Step.HASHTAG: "hashtag",
    Step.USERNAME: "username",
    Step.PROFILE: "username",
    Step.MEDIA: "media",
    Step.ANSWER_NUMBER: "answer_number",
    Step.GROUPS: "groups",
    Step.SUB_USERNAME: "username",
    Step.SUB_MIN: "min",
    Step.SUB_MAX: "max",
    Step.SUB_POSTS: "posts",
    Step.SUB_DELAY: "delay",
    Step.SUB_EXPIRY: "expiry",
}

# why the dialog asks again: an old answer outside today's checks (`error` says which),
# a question the service did not ask then, or old answers today's type has no use for
Change = Literal["invalid", "new-step", "type-changed"]


@dataclass(frozen=True)
class Refit:
    """The old answers that still fit, and the first step to ask again (None: none)."""

    answers: dict[str, Any]
    ask: Step | None = None
    change: Change | None = None
    error: InputError | None = None


@dataclass(frozen=True)
class Reorder:
    """What "Order again" leads to. `service` is None when the order is not the user's;
    `offered` False when the service cannot be ordered now (gone, hidden, unknown type)."""

    order: queries.OrderView | None
    service: ServiceView | None = None
    kind: OrderKind | None = None
    refit: Refit = field(default_factory=lambda: Refit({}))

    @property
    def offered(self) -> bool:
        return self.service is not None and self.service.offered and self.kind is not None


def _as_text(step: Step, value: Any) -> str:
    return str(value).strip() if step not in LIST_STEPS else str(value)


def refit(limits: ServiceLimits, fields: Mapping[str, Any], *, today: date | None = None) -> Refit:
    """Read `fields` (an earlier order's `add` fields) back into answers for `limits`, each
    checked as if typed now. Stops at the first step that needs a new answer; the answers
    before it are kept (the dialog asks the rest from there, as after Back)."""
    answers: dict[str, Any] = {}
    used: set[str] = set()
    for step in plan(limits.kind, limits.dripfeed):
        if not is_needed(step, answers):
            continue
        name = FIELD_OF_STEP[step]
        raw = fields.get(name)
        if raw is None or str(raw).strip() == "":
            if step in OPTIONAL_STEPS:
                answers[step] = None  # skipped then (or not offered then): skipped now
                continue
            return Refit(answers, step, "new-step")
        try:
            answers[step] = parse_answer(step, _as_text(step, raw), limits, answers, today=today)
        except InputError as exc:
            return Refit(answers, step, "invalid", exc)
        used.add(name)
    if set(fields) - used:
        # the old order sent what today's type does not ask for (the type changed, or
        # drip-feed is gone): the old price no longer says what would be delivered
        steps = [s for s in plan(limits.kind, limits.dripfeed) if is_needed(s, answers)]
        step = steps[1] if len(steps) > 1 else steps[0]
        kept = {s: v for s, v in answers.items() if steps.index(Step(s)) < steps.index(step)}
        return Refit(kept, step, "type-changed")
    return Refit(answers)


async def prepare(
    db: Database,
    user_id: int,
    order_id: int,
    *,
    default_markup: Decimal = Decimal(0),
    today: date | None = None,
) -> Reorder:
    """The user's order `order_id` made ready to order again (see `Reorder`)."""
    order = await queries.get_order(db, user_id, order_id)
    if order is None:
        return Reorder(None)
    service = await catalog.get_service(db, order.service_id, default_markup=default_markup)
    kind = normalize_kind(service.kind) if service is not None and service.kind else None
    if service is None or kind is None or not service.offered:
        return Reorder(order, service, kind)
    limits = ServiceLimits(kind, service.min_qty, service.max_qty, service.dripfeed)
    fields = dict(order.fields)
    if order.link and not fields.get("link"):
        fields["link"] = order.link  # an order recorded without its fields (older rows)
    return Reorder(order, service, kind, refit(limits, fields, today=today))
