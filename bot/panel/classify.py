"""Turn a raw answer (HTTP status + body) into a model or the error that is safe to act on.

The rule for the actions that change something at the panel (``add``, ``refill``,
``cancel``): only an answer whose meaning is definite may say "rejected" or "not sent".

* An answer that names an order (or refill) id is never a rejection, whatever else it
  says (``{"order": 23501, "error": "..."}``, a 400 carrying an id): the result comes
  back with a ``warning``; an id that cannot be used makes it outcome-unknown.
* Redirects, 5xx, bodies that are not JSON, errors that say the panel itself failed
  ("internal error"), and 4xx codes that do not mean "not processed" are outcome-unknown.

Read actions keep the simpler mapping: they are retried on "unknown" and never on
"rejected".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bot.panel.errors import (
    PanelAuthError,
    PanelError,
    PanelInsufficientFunds,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
    ReasonCode,
    reason_for,
    safe_text,
)
from bot.panel.models import AddResult, RefillResult
from bot.panel.values import (
    AnswerRejected,
    JsonArray,
    MalformedAnswer,
    NotJson,
    error_text,
    loads_lenient,
    to_id,
)

T = TypeVar("T")

WRITE_ACTIONS = frozenset({"add", "refill", "cancel"})
# The key under which a write action's answer names what it created.
CREATED_ID_KEY = {"add": "order", "refill": "refill"}
# 4xx codes that mean the request was refused before anything was done.
NOT_PROCESSED_4XX = frozenset({400, 401, 403, 404, 405, 406, 411, 413, 414, 415, 421, 431})
BODY_EXCERPT = 160
# Answers read an item at a time when they are a JSON array (values.JsonArray): the catalog.
ITEM_BY_ITEM = frozenset({"services"})

_NOT_JSON = object()
_ID_IN_TEXT = re.compile(r"[\"']?(order|refill)[\"']?\s*[:=]\s*[\"']?(\d+)", re.IGNORECASE)
# The panel failed while handling the request: it may have done it.
_INDEFINITE = re.compile(
    r"internal[\s_.\-]*(server[\s_.\-]*)?error|server[\s_.\-]*error"
    r"|something[\s_.\-]*went[\s_.\-]*wrong|unexpected[\s_.\-]*error"
    r"|exception|timed?[\s_.\-]*out|gateway|database|\bsql|\bdb\b|fatal",
    re.IGNORECASE,
)
_ORDER_FIELDS = ("charge", "remains", "start_count")


def decode_text(body: bytes | str) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body


def find_error(data: Any) -> str | None:
    """The error text of a top-level error answer, or ``None`` if it is not one."""
    if not isinstance(data, Mapping):
        return None
    error = data.get("error")
    if error:
        return error_text(error)
    status = data.get("status")
    if (
        isinstance(status, str)
        and status.strip().lower() == "error"
        and "message" in data
        and not any(field in data for field in _ORDER_FIELDS)
    ):
        return error_text(data.get("message") or "error")
    return None


def classify_rejection(
    action: str, message: str, http_status: int | None, retry_after: float | None = None
) -> PanelError:
    """The error for a panel's error text: the most specific rejection, "busy", or
    (for a write whose error says the panel itself failed) outcome-unknown."""
    reason = reason_for(message)
    if action in WRITE_ACTIONS and _INDEFINITE.search(message):
        return PanelOutcomeUnknown(
            f"the panel failed while handling it: {message}",
            action=action,
            http_status=http_status,
        )
    if reason is ReasonCode.PROVIDER_BUSY and not re.search("maintenance", message, re.I):
        return PanelRateLimited(
            message, action=action, http_status=http_status, retry_after=retry_after
        )
    if reason is ReasonCode.NOT_ENOUGH_FUNDS_PANEL:
        return PanelInsufficientFunds(message, action=action, http_status=http_status)
    if reason is ReasonCode.PROVIDER_ERROR:
        return PanelAuthError(message, action=action, http_status=http_status)
    return PanelRejected(message, action=action, http_status=http_status)


def _excerpt(text: str) -> str:
    return safe_text(text, limit=BODY_EXCERPT) or "empty body"


def _redirect(action: str, http_status: int) -> None:
    # Not followed: a POST turned into a GET would lose the form. Whatever the body says,
    # it is not the API's answer.
    if 300 <= http_status < 400:
        message = f"unexpected redirect (HTTP {http_status}): check the panel URL"
        if action in WRITE_ACTIONS:
            raise PanelOutcomeUnknown(message, action=action, http_status=http_status)
        raise PanelRejected(
            message,
            action=action,
            http_status=http_status,
            reason_code=ReasonCode.PROVIDER_ERROR,
        )


def _http_error(action: str, http_status: int, text: str, retry_after: float | None) -> None:
    """Raise for a status that is not 2xx whatever the body (unless it names an id)."""
    if http_status == 429:
        raise PanelRateLimited(
            f"rate limited (retry after {retry_after}s)",
            action=action,
            http_status=http_status,
            retry_after=retry_after,
        )
    if http_status >= 500 or http_status < 200:
        raise PanelOutcomeUnknown(
            f"server error: {_excerpt(text)}", action=action, http_status=http_status
        )


def _client_error(action: str, http_status: int, text: str) -> PanelError:
    """A 4xx without a usable error text in it."""
    message = _excerpt(text)
    if action in WRITE_ACTIONS and http_status not in NOT_PROCESSED_4XX:
        return PanelOutcomeUnknown(
            f"HTTP {http_status} of unclear meaning: {message}",
            action=action,
            http_status=http_status,
        )
    if http_status == 401:
        return PanelAuthError(message, action=action, http_status=http_status)
    return PanelRejected(
        message, action=action, http_status=http_status, reason_code=ReasonCode.PROVIDER_ERROR
    )


def _created_id(action: str, data: Any, text: str) -> tuple[bool, str | None]:
    """(does the answer name a created id, the usable id or None)."""
    key = CREATED_ID_KEY.get(action)
    if key is None:
        return False, None
    if data is _NOT_JSON:
        match = _ID_IN_TEXT.search(text)
        if match and match.group(1).lower() == key:
            return True, None  # named, but the answer is unreadable
        return False, None
    if not isinstance(data, Mapping):
        return False, None
    value = data.get(key)
    if value is None or value is False or (isinstance(value, str) and not value.strip()):
        return False, None
    if isinstance(value, Mapping):  # {"refill": {"error": ...}}: no id in it
        return False, None
    created = to_id(value)
    if created is None or created.strip("0") == "":
        return True, None
    return True, created


def parse_answer(
    action: str,
    http_status: int,
    body: bytes | str,
    parser: Callable[[Any], T],
    *,
    retry_after: float | None = None,
) -> T:
    """The one function that turns any answer into a model or a typed error."""
    text = decode_text(body)
    data: Any = JsonArray.of(text) if action in ITEM_BY_ITEM else None
    if data is None:
        try:
            data = loads_lenient(text)
        except ValueError:
            data = _NOT_JSON

    _redirect(action, http_status)
    named, created = _created_id(action, data, text)
    if named:
        if created is None:
            raise PanelOutcomeUnknown(
                f"the answer names an {CREATED_ID_KEY[action]} id that cannot be used:"
                f" {_excerpt(text)}",
                action=action,
                http_status=http_status,
            )
        result = _run(action, http_status, text, data, parser)
        if http_status != 200 and isinstance(result, AddResult | RefillResult):
            warning = "; ".join(filter(None, [f"HTTP {http_status}", result.warning]))
            return result.model_copy(update={"warning": warning})  # type: ignore[return-value]
        return result

    _http_error(action, http_status, text, retry_after)
    if data is _NOT_JSON:
        if 400 <= http_status < 500:
            raise _client_error(action, http_status, text)
        raise PanelOutcomeUnknown(
            f"answer is not JSON: {_excerpt(text)}", action=action, http_status=http_status
        )
    error = find_error(data)
    if error is not None:
        raise classify_rejection(action, error, http_status, retry_after)
    if 400 <= http_status < 500:
        raise _client_error(action, http_status, text)
    return _run(action, http_status, text, data, parser)


def _run(action: str, http_status: int, text: str, data: Any, parser: Callable[[Any], T]) -> T:
    try:
        return parser(data)
    except AnswerRejected as exc:
        raise classify_rejection(action, exc.message, http_status) from None
    except NotJson:  # a JsonArray that was not JSON after all: as any answer that is not
        raise PanelOutcomeUnknown(
            f"answer is not JSON: {_excerpt(text)}", action=action, http_status=http_status
        ) from None
    except (MalformedAnswer, ValueError, TypeError, KeyError, ArithmeticError) as exc:
        raise PanelOutcomeUnknown(
            f"unusable answer ({exc}): {_excerpt(text)}", action=action, http_status=http_status
        ) from None
