"""Typed answers of the panel API. Money is always ``Decimal``; panel ids always ``str``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.panel.errors import ReasonCode, reason_for

_SEPARATORS = re.compile(r"[\s_\-]+")


def _squash(raw: str) -> str:
    """Lower-case and drop spaces, dashes and underscores: the matching key for names."""
    return _SEPARATORS.sub("", raw.strip().lower())


class OrderKind(StrEnum):
    """Service ``type``: decides which fields an order needs."""

    DEFAULT = "default"
    PACKAGE = "package"
    CUSTOM_COMMENTS = "custom_comments"
    CUSTOM_COMMENTS_PACKAGE = "custom_comments_package"
    MENTIONS = "mentions"
    MENTIONS_WITH_HASHTAGS = "mentions_with_hashtags"
    MENTIONS_CUSTOM_LIST = "mentions_custom_list"
    MENTIONS_HASHTAG = "mentions_hashtag"
    MENTIONS_USER_FOLLOWERS = "mentions_user_followers"
    MENTIONS_MEDIA_LIKERS = "mentions_media_likers"
    COMMENT_LIKES = "comment_likes"
    COMMENT_REPLIES = "comment_replies"
    POLL = "poll"
    INVITES_FROM_GROUPS = "invites_from_groups"
    SUBSCRIPTIONS = "subscriptions"


_KIND_BY_KEY: dict[str, OrderKind] = {_squash(k.value): k for k in OrderKind}
_KIND_BY_KEY["subscription"] = OrderKind.SUBSCRIPTIONS


def normalize_kind(raw: str | None) -> OrderKind | None:
    """Match a panel ``type`` regardless of case, spaces, dashes and underscores."""
    if not raw:
        return None
    return _KIND_BY_KEY.get(_squash(raw))


class OrderState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    ACTIVE = "active"
    FAILED = "failed"


_ORDER_STATE_BY_KEY: dict[str, OrderState] = {_squash(s.value): s for s in OrderState}
_ORDER_STATE_BY_KEY.update(
    {
        "inprogess": OrderState.IN_PROGRESS,  # typo seen on real panels
        "cancelled": OrderState.CANCELED,
        "fail": OrderState.FAILED,
        "error": OrderState.FAILED,
        "complete": OrderState.COMPLETED,
    }
)

FINAL_ORDER_STATES = frozenset(
    {
        OrderState.COMPLETED,
        OrderState.PARTIAL,
        OrderState.CANCELED,
        OrderState.REFUNDED,
    }
)


def normalize_status(raw: str | None) -> OrderState | None:
    """Map any spelling of an order status to :class:`OrderState`; unknown -> ``None``."""
    if not raw:
        return None
    return _ORDER_STATE_BY_KEY.get(_squash(raw))


class RefillState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELED = "canceled"
    FAILED = "failed"


_REFILL_STATE_BY_KEY: dict[str, RefillState] = {_squash(s.value): s for s in RefillState}
_REFILL_STATE_BY_KEY.update(
    {
        "awaiting": RefillState.PENDING,
        "inprogess": RefillState.IN_PROGRESS,
        "processing": RefillState.IN_PROGRESS,
        "processed": RefillState.COMPLETED,
        "complete": RefillState.COMPLETED,
        "cancelled": RefillState.CANCELED,
        "fail": RefillState.FAILED,
        "error": RefillState.FAILED,
    }
)


def normalize_refill_status(raw: str | None) -> RefillState | None:
    """Map any spelling of a refill status to :class:`RefillState`; unknown -> ``None``."""
    if not raw:
        return None
    return _REFILL_STATE_BY_KEY.get(_squash(raw))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True, slots=True)
class Service:
    """A catalog entry. A plain slotted dataclass, not a pydantic model like the answers
    below: a sync holds tens of thousands at once, and a model's instance dict and
    fields-set cost ~1 KB each (its only constructor is ``parsing.parse_service``, which
    hands it checked values)."""

    id: str
    name: str
    category: str
    type: str
    kind: OrderKind | None
    rate: Decimal
    min: int
    max: int
    dripfeed: bool = False
    refill: bool = False
    cancel: bool = False
    description: str = ""
    average_time: str | None = None


class OrderStatus(_Model):
    order_id: str | None = None
    status: OrderState | None
    raw_status: str
    charge: Decimal | None = None
    start_count: int | None = None
    remains: int | None = None
    currency: str | None = None
    runs: int | None = None
    orders: list[str] = Field(default_factory=list)
    expiry: str | None = None
    posts: int | None = None


class ItemError(_Model):
    """A per-id error inside a multi answer. ``message`` is operator-safe text; customers
    get a text chosen by ``reason_code``."""

    message: str

    @property
    def reason_code(self) -> ReasonCode:
        return reason_for(self.message)


class AddResult(_Model):
    """``warning``: the panel named an order id but also said something is wrong (an
    error text, an error status, an HTTP error code). The order may exist: it must be
    treated as placed and shown to an operator, never refunded as rejected."""

    order_id: str
    charge: Decimal | None = None
    currency: str | None = None
    warning: str | None = None


class RefillResult(_Model):
    """``refill_id`` may be ``None`` when the panel only says it accepted the request."""

    refill_id: str | None = None
    message: str | None = None
    warning: str | None = None  # an id came with an error: see AddResult.warning


class RefillStatus(_Model):
    status: RefillState | None
    raw_status: str


class CancelResult(_Model):
    """The panel accepted the cancel request; the order's own status says when it is done."""

    accepted: bool = True
    message: str | None = None


class SkippedService(_Model):
    """A catalog entry that could not be used, and why (operator-safe text)."""

    service_id: str | None = None
    name: str | None = None
    reason: str


class ServiceList(list[Service]):
    """The usable services of a ``services`` answer; ``skipped`` lists the entries that
    were left out, one by one, so the operator can be told."""

    def __init__(
        self, services: Iterable[Service] = (), skipped: Iterable[SkippedService] = ()
    ) -> None:
        super().__init__(services)
        self.skipped: list[SkippedService] = list(skipped)


class Balance(_Model):
    amount: Decimal
    currency: str
