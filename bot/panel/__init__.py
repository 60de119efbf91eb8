"""Typed async SDK for "Perfect Panel" style SMM panel APIs."""

from bot.panel.client import PanelClient
from bot.panel.errors import (
    PanelAuthError,
    PanelError,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
)
from bot.panel.models import (
    FINAL_ORDER_STATES,
    AddResult,
    Balance,
    CancelResult,
    ItemError,
    OrderKind,
    OrderState,
    OrderStatus,
    RefillResult,
    RefillState,
    RefillStatus,
    Service,
    normalize_kind,
    normalize_refill_status,
    normalize_status,
)
from bot.panel.parsing import parse_answer

__all__ = [
    "FINAL_ORDER_STATES",
    "AddResult",
    "Balance",
    "CancelResult",
    "ItemError",
    "OrderKind",
    "OrderState",
    "OrderStatus",
    "PanelAuthError",
    "PanelClient",
    "PanelError",
    "PanelInsufficientFunds",
    "PanelNotSent",
    "PanelOutcomeUnknown",
    "PanelRateLimited",
    "PanelRejected",
    "RefillResult",
    "RefillState",
    "RefillStatus",
    "Service",
    "normalize_kind",
    "normalize_refill_status",
    "normalize_status",
    "parse_answer",
]
