"""Typed panel errors: each class tells the caller what is safe to do next.

Modelled on aiogram's ``check_response`` / ``TelegramAPIError`` split:

* :class:`PanelRejected` - the panel answered and said no. Nothing was done.
* :class:`PanelNotSent` - the request certainly never reached the panel (or the panel
  refused to look at it: :class:`PanelRateLimited`). Safe to resend.
* :class:`PanelOutcomeUnknown` - the request may have been processed. Never resend an
  ``add``, ``refill`` or ``cancel``.

Every error carries two things for two readers:

* ``message`` - operator-safe text (:func:`safe_text`: no HTML, no API key, short);
* ``reason_code`` - a :class:`ReasonCode` a customer-facing text is chosen by. A panel's
  own words never reach a customer: they may name the upstream panel or the API key.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from bot.panel.redact import SAFE_TEXT_LIMIT, safe_text

__all__ = [
    "SAFE_TEXT_LIMIT",
    "PanelAuthError",
    "PanelError",
    "PanelInsufficientFunds",
    "PanelNotSent",
    "PanelOutcomeUnknown",
    "PanelRateLimited",
    "PanelRejected",
    "ReasonCode",
    "reason_for",
    "safe_text",
]


class ReasonCode(StrEnum):
    """Why a panel call failed, in a fixed set a customer text can be chosen by."""

    INVALID_LINK = "invalid_link"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"
    INVALID_INPUT = "invalid_input"  # another order field the panel did not accept
    SERVICE_UNAVAILABLE = "service_unavailable"
    DUPLICATE_ACTIVE_ORDER = "duplicate_active_order"
    NOT_ENOUGH_FUNDS_PANEL = "not_enough_funds_panel"
    ORDER_NOT_FOUND = "order_not_found"
    REFILL_NOT_AVAILABLE = "refill_not_available"
    CANCEL_NOT_AVAILABLE = "cancel_not_available"
    ALREADY_REQUESTED = "already_requested"  # a refill/cancel for it is already running
    PROVIDER_BUSY = "provider_busy"  # rate limited: try again in a minute
    PROVIDER_UNREACHABLE = "provider_unreachable"  # never reached the panel
    PROVIDER_ERROR = "provider_error"  # the panel failed or is misconfigured (key, URL)
    OTHER = "other"


_SEP = r"[\s_.\-]*"

# Order matters: the first pattern that matches wins. Texts are the panels' own (the
# published page, Perfect Panel's translation keys, and texts seen on real panels).
_REASON_PATTERNS: list[tuple[ReasonCode, re.Pattern[str]]] = [
    (
        ReasonCode.NOT_ENOUGH_FUNDS_PANEL,
        re.compile(
            rf"not{_SEP}enough{_SEP}(funds|balance|money)|insufficient|low{_SEP}balance"
            rf"|balance{_SEP}(is{_SEP})?(too{_SEP}low|not{_SEP}enough|insufficient)",
            re.I,
        ),
    ),
    (
        ReasonCode.PROVIDER_ERROR,
        re.compile(
            rf"api{_SEP}key|(invalid|incorrect|wrong|bad){_SEP}(api{_SEP})?key"
            rf"|key{_SEP}(is{_SEP})?(invalid|incorrect|wrong)|unauthori[sz]ed"
            r"|\bkey\b[^.]{0,40}\b(invalid|incorrect|wrong|expired|revoked)\b"
            rf"|account{_SEP}(is{_SEP})?(suspended|disabled|banned|blocked)|forbidden",
            re.I,
        ),
    ),
    (
        ReasonCode.PROVIDER_BUSY,
        re.compile(
            rf"too{_SEP}many{_SEP}(requests|attempts|orders)|rate{_SEP}limit|slow{_SEP}down"
            rf"|try{_SEP}again{_SEP}later|maintenance|overloaded",
            re.I,
        ),
    ),
    (
        ReasonCode.DUPLICATE_ACTIVE_ORDER,
        re.compile(
            rf"link{_SEP}duplicate|duplicate|active{_SEP}order|already{_SEP}(have|has)"
            rf"{_SEP}(an?{_SEP})?(active|order)|wait{_SEP}until{_SEP}(the{_SEP})?order",
            re.I,
        ),
    ),
    (
        ReasonCode.ALREADY_REQUESTED,
        re.compile(rf"already{_SEP}(in{_SEP}progress|requested|pending|exists)", re.I),
    ),
    (
        ReasonCode.REFILL_NOT_AVAILABLE,
        re.compile(
            rf"refill{_SEP}(is{_SEP})?(not|disabled|unavailable)|not{_SEP}eligible"
            rf"|(cannot|can't|can{_SEP}not){_SEP}(be{_SEP})?refill",
            re.I,
        ),
    ),
    (
        ReasonCode.CANCEL_NOT_AVAILABLE,
        re.compile(
            rf"cancel\w*{_SEP}(is{_SEP})?(not|disabled|unavailable)"
            rf"|(cannot|can't|can{_SEP}not|unable{_SEP}to){_SEP}(be{_SEP})?cancel",
            re.I,
        ),
    ),
    (
        ReasonCode.ORDER_NOT_FOUND,
        re.compile(
            rf"(incorrect|invalid|wrong|unknown|bad){_SEP}order|order{_SEP}(id{_SEP})?"
            rf"(not{_SEP}found|does{_SEP}not{_SEP}exist|doesn't{_SEP}exist)",
            re.I,
        ),
    ),
    (
        ReasonCode.QUANTITY_OUT_OF_RANGE,
        re.compile(
            rf"quantity|(min|max)(imal|imum)?{_SEP}(quantity|amount|order)"
            rf"|(less|more){_SEP}than{_SEP}(the{_SEP})?(min|max)",
            re.I,
        ),
    ),
    (
        ReasonCode.INVALID_LINK,
        re.compile(rf"link|url|(invalid|incorrect|wrong|bad){_SEP}(username|profile)", re.I),
    ),
    (
        ReasonCode.SERVICE_UNAVAILABLE,
        re.compile(
            rf"service|dripfeed|drip{_SEP}feed|not{_SEP}available|disabled|unavailable",
            re.I,
        ),
    ),
    (
        ReasonCode.INVALID_INPUT,
        re.compile(
            rf"neworder{_SEP}error|comments?|usernames?|hashtags?|runs|interval|expiry|delay"
            rf"|answer{_SEP}number|media|groups",
            re.I,
        ),
    ),
]


def reason_for(message: str) -> ReasonCode:
    """The reason code of a panel's error text; :attr:`ReasonCode.OTHER` if unknown."""
    for code, pattern in _REASON_PATTERNS:
        if pattern.search(message):
            return code
    return ReasonCode.OTHER


class PanelError(Exception):
    """Base of every panel client error."""

    default_reason = ReasonCode.PROVIDER_ERROR

    def __init__(
        self,
        message: str,
        *,
        action: str,
        http_status: int | None = None,
        reason_code: ReasonCode | None = None,
    ) -> None:
        self.action = action
        self.http_status = http_status
        self.message = safe_text(message, limit=SAFE_TEXT_LIMIT + 100)
        self.reason_code = reason_code or self._reason(self.message)
        # A multi-id write that failed part-way: the answers for the ids of the batches
        # sent before the failing one (the panel acted on them). Empty otherwise.
        self.completed: dict[str, Any] = {}
        super().__init__(self.message)

    def _reason(self, message: str) -> ReasonCode:
        return self.default_reason

    def redact(self, secret: str) -> None:
        """Redact ``secret`` again (for errors made outside the client's call scope)."""
        self.message = safe_text(self.message, secret, limit=SAFE_TEXT_LIMIT + 100)
        self.args = (self.message,)

    def __str__(self) -> str:
        where = f"panel action {self.action!r}"
        if self.http_status is not None:
            where += f" (HTTP {self.http_status})"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(action={self.action!r}, "
            f"http_status={self.http_status!r}, reason_code={self.reason_code.value!r}, "
            f"message={self.message!r})"
        )


class PanelRejected(PanelError):
    """The panel answered with an error; ``.message`` is its text, made safe."""

    default_reason = ReasonCode.OTHER

    def _reason(self, message: str) -> ReasonCode:
        return reason_for(message)


class PanelAuthError(PanelRejected):
    """The panel does not accept the API key."""

    def _reason(self, message: str) -> ReasonCode:
        return ReasonCode.PROVIDER_ERROR


class PanelInsufficientFunds(PanelRejected):
    """The panel account has not enough balance for the order."""

    def _reason(self, message: str) -> ReasonCode:
        return ReasonCode.NOT_ENOUGH_FUNDS_PANEL


class PanelNotSent(PanelError):
    """The request never reached the panel (refused, DNS, connect timeout): safe to retry."""

    default_reason = ReasonCode.PROVIDER_UNREACHABLE


class PanelRateLimited(PanelNotSent):
    """The panel is busy (HTTP 429 or "too many requests") and did not process the
    request; retry after ``retry_after`` seconds. ``reason_code`` is ``provider_busy``."""

    default_reason = ReasonCode.PROVIDER_BUSY

    def __init__(
        self,
        message: str,
        *,
        action: str,
        http_status: int | None = 429,
        retry_after: float | None = None,
        reason_code: ReasonCode | None = None,
    ) -> None:
        super().__init__(message, action=action, http_status=http_status, reason_code=reason_code)
        self.retry_after = retry_after


class PanelOutcomeUnknown(PanelError):
    """The request may have reached the panel but there is no usable answer.

    Read timeouts, dropped connections, 5xx, HTML or garbage instead of JSON, an answer
    too big or too slow. An ``add`` that ends like this may or may not have created an
    order: never resend it blindly.
    """
