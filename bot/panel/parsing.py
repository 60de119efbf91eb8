"""Turn raw panel answers into models or typed errors.

Everything that knows about the shapes real panels send lives here, so the client only
moves bytes. :func:`parse_answer` is the single entry point: HTTP status + body in, a
model or a :class:`~bot.panel.errors.PanelError` out.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot.panel.errors import (
    PanelAuthError,
    PanelInsufficientFunds,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
    excerpt,
)
from bot.panel.models import (
    AddResult,
    Balance,
    CancelResult,
    ItemError,
    OrderStatus,
    RefillResult,
    RefillStatus,
    Service,
    normalize_kind,
    normalize_refill_status,
    normalize_status,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


class MalformedAnswer(ValueError):
    """The answer is JSON but not of a shape we can use."""


class AnswerRejected(Exception):
    """A parser found an error text where the model should be."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- JSON


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in JSON")


def strip_trailing_commas(text: str) -> str:
    """Remove commas that directly precede ``}`` or ``]``, leaving string contents alone."""
    out: list[str] = []
    in_string = False
    escaped = False
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j >= n or text[j] not in "}]":
                out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def loads_lenient(text: str) -> Any:
    """``json.loads`` with floats as ``Decimal`` that also accepts trailing commas."""
    text = text.lstrip("\ufeff").strip()
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        fixed = strip_trailing_commas(text)
        if fixed == text:
            raise
        return json.loads(fixed, parse_float=Decimal, parse_constant=_reject_constant)


# --------------------------------------------------------------------------- scalars


def to_decimal(value: Any) -> Decimal | None:
    """Exact decimal from a JSON string/int/Decimal; ``None`` for null or empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedAnswer(f"boolean where a number was expected: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MalformedAnswer(f"not a number: {excerpt(text, 40)!r}") from exc
    else:
        raise MalformedAnswer(f"not a number: {type(value).__name__}")
    if not result.is_finite():
        raise MalformedAnswer("non-finite number")
    return result


def to_int(value: Any) -> int | None:
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise MalformedAnswer(f"not an integer: {number}")
    return int(number)


def _lenient(convert: Callable[[Any], T | None], value: Any, field: str) -> T | None:
    """Optional status fields: garbage becomes ``None`` instead of failing the answer."""
    try:
        return convert(value)
    except MalformedAnswer:
        logger.warning("Ignoring unparseable %s in panel answer: %r", field, excerpt(str(value)))
        return None


def to_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return False


def to_id(value: Any) -> str | None:
    """Panel ids as strings: ``23501``, ``"23501"`` and ``"ord_01HG..."`` all work."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return str(int(value))
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return None


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _error_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in ("error", "message"):
            if value.get(key):
                return _error_text(value[key])
    return excerpt(json.dumps(value, default=str), 200)


# --------------------------------------------------------------------------- errors

_AUTH_RE = re.compile(
    r"api[\s_.\-]*key|(invalid|incorrect|wrong|bad)[\s_.\-]*(api[\s_.\-]*)?key"
    r"|key[\s_.\-]*(is[\s_.\-]*)?(invalid|incorrect|wrong)|unauthori[sz]ed",
    re.IGNORECASE,
)
_FUNDS_RE = re.compile(
    r"not[\s_.\-]*enough[\s_.\-]*(funds|balance|money)|insufficient|low[\s_.\-]*balance"
    r"|balance[\s_.\-]*(is[\s_.\-]*)?(too[\s_.\-]*low|not[\s_.\-]*enough|insufficient)",
    re.IGNORECASE,
)


def classify_rejection(action: str, message: str, http_status: int | None) -> PanelRejected:
    """Pick the most specific :class:`PanelRejected` subclass for a panel error text."""
    if _FUNDS_RE.search(message):
        return PanelInsufficientFunds(message, action=action, http_status=http_status)
    if _AUTH_RE.search(message):
        return PanelAuthError(message, action=action, http_status=http_status)
    return PanelRejected(message, action=action, http_status=http_status)


_ORDER_FIELDS = ("charge", "remains", "start_count")


def find_error(data: Any) -> str | None:
    """The error text of a top-level error answer, or ``None`` if it is not one."""
    if not isinstance(data, Mapping):
        return None
    error = data.get("error")
    if error:
        return _error_text(error)
    status = data.get("status")
    if (
        isinstance(status, str)
        and status.strip().lower() == "error"
        and "message" in data
        and not any(field in data for field in _ORDER_FIELDS)
    ):
        return _error_text(data.get("message") or "error")
    return None


def decode_answer(
    action: str,
    http_status: int,
    body: bytes | str,
    *,
    retry_after: float | None = None,
) -> Any:
    """aiogram's ``check_response`` for panels: decoded JSON or a typed error."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if http_status == 429:
        raise PanelRateLimited(
            f"rate limited (retry after {retry_after}s)",
            action=action,
            http_status=http_status,
            retry_after=retry_after,
        )
    if http_status >= 500:
        raise PanelOutcomeUnknown(
            f"server error, body: {excerpt(text)!r}", action=action, http_status=http_status
        )
    if 300 <= http_status < 400:
        raise PanelRejected(
            "unexpected redirect: check the panel URL", action=action, http_status=http_status
        )
    try:
        data = loads_lenient(text)
    except ValueError as exc:
        if 400 <= http_status < 500:
            raise PanelRejected(
                excerpt(text) or f"HTTP {http_status}", action=action, http_status=http_status
            ) from None
        raise PanelOutcomeUnknown(
            f"answer is not JSON: {excerpt(text)!r}", action=action, http_status=http_status
        ) from exc
    error = find_error(data)
    if error is not None:
        raise classify_rejection(action, error, http_status)
    if 400 <= http_status < 500:
        raise PanelRejected(excerpt(text), action=action, http_status=http_status)
    return data


def parse_answer(
    action: str,
    http_status: int,
    body: bytes | str,
    parser: Callable[[Any], T],
    *,
    retry_after: float | None = None,
) -> T:
    """The one function that turns any answer into a model or a typed error."""
    data = decode_answer(action, http_status, body, retry_after=retry_after)
    try:
        return parser(data)
    except AnswerRejected as exc:
        raise classify_rejection(action, exc.message, http_status) from None
    except (MalformedAnswer, ValueError, TypeError, KeyError) as exc:
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        raise PanelOutcomeUnknown(
            f"unusable answer ({exc}): {excerpt(text)!r}", action=action, http_status=http_status
        ) from None


# --------------------------------------------------------------------------- services


def _service_list(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in ("services", "data", "result"):
            if key in data:
                inner = data[key]
                if isinstance(inner, list):
                    return inner
                if isinstance(inner, Mapping):
                    return list(inner.values())
                if inner is None or isinstance(inner, str):
                    return []  # {"status": "success", "data": "Empty Data"}
                raise MalformedAnswer(f"unexpected {key!r}: {type(inner).__name__}")
        if not data:
            return []
        if all(isinstance(v, Mapping) for v in data.values()):
            return list(data.values())
    raise MalformedAnswer(f"not a service list: {type(data).__name__}")


def parse_service(item: Any) -> Service:
    if not isinstance(item, Mapping):
        raise MalformedAnswer(f"service entry is {type(item).__name__}")
    service_id = to_id(item.get("service", item.get("id")))
    if service_id is None:
        raise MalformedAnswer("service without id")
    rate = to_decimal(item.get("rate"))
    if rate is None or rate < 0:
        raise MalformedAnswer(f"service {service_id}: missing or negative rate")
    minimum = to_int(item.get("min"))
    maximum = to_int(item.get("max"))
    if minimum is None or maximum is None:
        raise MalformedAnswer(f"service {service_id}: missing min/max")
    if minimum < 0 or minimum > maximum:
        raise MalformedAnswer(f"service {service_id}: min {minimum} > max {maximum}")
    raw_type = _opt_str(item.get("type")) or "Default"
    return Service(
        id=service_id,
        name=_opt_str(item.get("name")) or f"Service {service_id}",
        category=_opt_str(item.get("category")) or "",
        type=raw_type,
        kind=normalize_kind(raw_type),
        rate=rate,
        min=minimum,
        max=maximum,
        dripfeed=to_flag(item.get("dripfeed")),
        refill=to_flag(item.get("refill")),
        cancel=to_flag(item.get("cancel")),
        description=str(item.get("description") or ""),
        average_time=_opt_str(item.get("average_time")),
    )


def parse_services(data: Any) -> list[Service]:
    services: list[Service] = []
    for index, item in enumerate(_service_list(data)):
        try:
            services.append(parse_service(item))
        except (MalformedAnswer, ValueError, TypeError) as exc:
            logger.warning("Skipping malformed service entry #%d: %s", index, exc)
    return services


# --------------------------------------------------------------------------- orders


def _require_mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedAnswer(f"{what} answer is {type(data).__name__}, not an object")
    return data


def parse_add(data: Any) -> AddResult:
    body = _require_mapping(data, "add")
    order_id = to_id(body.get("order"))
    if order_id is None:
        raise MalformedAnswer("no order id in add answer")
    return AddResult(
        order_id=order_id,
        charge=_lenient(to_decimal, body.get("charge"), "charge"),
        currency=_opt_str(body.get("currency")),
    )


def _id_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        parts = value
    else:
        parts = [value]
    return [i for i in (to_id(p) for p in parts) if i is not None]


def parse_status(data: Any, order_id: str | None = None) -> OrderStatus:
    body = _require_mapping(data, "status")
    if "status" not in body:
        raise MalformedAnswer("no status in status answer")
    raw = body.get("status")
    if isinstance(raw, Mapping):
        raise AnswerRejected(_error_text(raw))
    raw_status = "" if raw is None else str(raw).strip()
    return OrderStatus(
        order_id=to_id(body.get("order")) or order_id,
        status=normalize_status(raw_status),
        raw_status=raw_status,
        charge=_lenient(to_decimal, body.get("charge"), "charge"),
        start_count=_lenient(to_int, body.get("start_count"), "start_count"),
        remains=_lenient(to_int, body.get("remains"), "remains"),
        currency=_opt_str(body.get("currency")),
        runs=_lenient(to_int, body.get("runs"), "runs"),
        orders=_id_list(body.get("orders")),
        expiry=_opt_str(body.get("expiry")),
        posts=_lenient(to_int, body.get("posts"), "posts"),
    )


def _looks_single(body: Mapping[str, Any], ids: Sequence[str], keys: Iterable[str]) -> bool:
    return len(ids) == 1 and ids[0] not in body and any(k in body for k in keys)


def _items(data: Any, id_key: str) -> Iterable[tuple[str, Any]]:
    """(id, item) pairs from a list of objects carrying their id or an object keyed by id."""
    if isinstance(data, list):
        for item in data:
            if not isinstance(item, Mapping):
                logger.warning("Ignoring non-object item in multi answer")
                continue
            item_id = to_id(item.get(id_key))
            if item_id is None:
                logger.warning("Ignoring item without %r in multi answer", id_key)
                continue
            yield item_id, item
    elif isinstance(data, Mapping):
        for key, item in data.items():
            yield str(key), item
    else:
        raise MalformedAnswer(f"multi answer is {type(data).__name__}")


def parse_statuses(data: Any, ids: Sequence[str]) -> dict[str, OrderStatus | ItemError]:
    if isinstance(data, Mapping) and _looks_single(data, ids, ("status",)):
        return {ids[0]: parse_status(data, ids[0])}
    result: dict[str, OrderStatus | ItemError] = {}
    for order_id, item in _items(data, "order"):
        if isinstance(item, Mapping) and item.get("error"):
            result[order_id] = ItemError(message=_error_text(item["error"]))
        elif isinstance(item, Mapping):
            try:
                result[order_id] = parse_status(item, order_id)
            except (MalformedAnswer, AnswerRejected) as exc:
                result[order_id] = ItemError(message=str(exc))
        else:
            result[order_id] = ItemError(message=_error_text(item))
    return result


# --------------------------------------------------------------------------- refills


def _refill_value(value: Any) -> RefillResult | ItemError:
    if isinstance(value, Mapping):
        if value.get("error"):
            return ItemError(message=_error_text(value["error"]))
        return _refill_value(value.get("refill", value.get("id")))
    if isinstance(value, str) and any(ch.isspace() for ch in value.strip()):
        return ItemError(message=value.strip())  # a sentence, not an id
    refill_id = to_id(value)
    if refill_id is None:
        return ItemError(message=f"no refill id in answer: {excerpt(repr(value), 60)}")
    return RefillResult(refill_id=refill_id)


def parse_refill(data: Any) -> RefillResult:
    body = _require_mapping(data, "refill")
    success = body.get("success")
    message = _opt_str(success) if isinstance(success, str) else None
    refill_value = body.get("refill")
    if isinstance(refill_value, Mapping) and refill_value.get("error"):
        raise AnswerRejected(_error_text(refill_value["error"]))
    refill_id = to_id(refill_value)
    if refill_id is None and not success:
        raise MalformedAnswer("neither refill id nor success in refill answer")
    return RefillResult(refill_id=refill_id, message=message)


def parse_refills(data: Any, ids: Sequence[str]) -> dict[str, RefillResult | ItemError]:
    if isinstance(data, Mapping) and _looks_single(data, ids, ("refill", "success")):
        try:
            return {ids[0]: parse_refill(data)}
        except AnswerRejected as exc:
            return {ids[0]: ItemError(message=exc.message)}
    result: dict[str, RefillResult | ItemError] = {}
    for order_id, item in _items(data, "order"):
        if isinstance(item, Mapping) and "order" in item:
            result[order_id] = _refill_value(item.get("refill"))
        else:
            result[order_id] = _refill_value(item)
    return result


def _refill_status_value(value: Any) -> RefillStatus | ItemError:
    if isinstance(value, Mapping):
        if value.get("error"):
            return ItemError(message=_error_text(value["error"]))
        if "status" in value:
            return _refill_status_value(value["status"])
        return ItemError(message="no status in answer")
    if value is None:
        return ItemError(message="no status in answer")
    raw = str(value).strip()
    return RefillStatus(status=normalize_refill_status(raw), raw_status=raw)


def parse_refill_status(data: Any) -> RefillStatus:
    body = _require_mapping(data, "refill_status")
    if "status" not in body:
        raise MalformedAnswer("no status in refill_status answer")
    value = _refill_status_value(body["status"])
    if isinstance(value, ItemError):
        raise AnswerRejected(value.message)
    return value


def parse_refill_statuses(data: Any, ids: Sequence[str]) -> dict[str, RefillStatus | ItemError]:
    if isinstance(data, Mapping) and _looks_single(data, ids, ("status",)):
        return {ids[0]: _refill_status_value(data)}
    result: dict[str, RefillStatus | ItemError] = {}
    for refill_id, item in _items(data, "refill"):
        result[refill_id] = _refill_status_value(item)
    return result


# --------------------------------------------------------------------------- cancel


def _cancel_value(value: Any) -> CancelResult | ItemError:
    if isinstance(value, Mapping):
        if value.get("error"):
            return ItemError(message=_error_text(value["error"]))
        if "success" in value:
            return CancelResult(accepted=True, message=_opt_str(value["success"]))
        if "cancel" in value:
            return _cancel_value(value["cancel"])
        return ItemError(message="no cancel result in answer")
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in {"0", "false", ""}:
            return CancelResult(accepted=False)
        if text.lower() in {"1", "true", "ok", "success"}:
            return CancelResult(accepted=True)
        return CancelResult(accepted=True, message=text)
    if isinstance(value, bool | int | Decimal):
        return CancelResult(accepted=bool(value))
    return ItemError(message=f"unexpected cancel result: {excerpt(repr(value), 60)}")


def parse_cancel(data: Any, ids: Sequence[str]) -> dict[str, CancelResult | ItemError]:
    if isinstance(data, Mapping) and _looks_single(data, ids, ("success", "cancel")):
        return {ids[0]: _cancel_value(data)}
    result: dict[str, CancelResult | ItemError] = {}
    for order_id, item in _items(data, "order"):
        if isinstance(item, Mapping) and "order" in item:
            result[order_id] = _cancel_value(item.get("cancel"))
        else:
            result[order_id] = _cancel_value(item)
    return result


# --------------------------------------------------------------------------- balance


def parse_balance(data: Any) -> Balance:
    body = _require_mapping(data, "balance")
    amount = to_decimal(body.get("balance"))
    if amount is None:
        raise MalformedAnswer("no balance in balance answer")
    return Balance(amount=amount, currency=_opt_str(body.get("currency")) or "")
