"""Turn decoded panel answers into models.

Everything that knows about the shapes real panels send lives here. The HTTP status and
error mapping is in :mod:`bot.panel.classify`, the JSON and number rules in
:mod:`bot.panel.values`; :func:`parse_answer` (re-exported here) is the single entry
point: HTTP status + body in, a model or a :class:`~bot.panel.errors.PanelError` out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from bot.panel.classify import classify_rejection, find_error, parse_answer
from bot.panel.models import (
    AddResult,
    Balance,
    CancelResult,
    ItemError,
    OrderStatus,
    RefillResult,
    RefillStatus,
    Service,
    ServiceList,
    SkippedService,
    normalize_kind,
    normalize_refill_status,
    normalize_status,
)
from bot.panel.redact import safe_text
from bot.panel.values import (
    MAX_INT,
    AnswerRejected,
    JsonArray,
    MalformedAnswer,
    clean_str,
    error_text,
    lenient,
    loads_lenient,
    opt_str,
    strip_trailing_commas,
    to_decimal,
    to_flag,
    to_id,
    to_int,
)

__all__ = [
    "AnswerRejected",
    "MalformedAnswer",
    "classify_rejection",
    "find_error",
    "loads_lenient",
    "parse_add",
    "parse_answer",
    "parse_balance",
    "parse_cancel",
    "parse_refill",
    "parse_refill_status",
    "parse_refill_statuses",
    "parse_refills",
    "parse_service",
    "parse_services",
    "parse_status",
    "parse_statuses",
    "strip_trailing_commas",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A rate above this (per 1000, or per package) is a panel's typo, not a price; x 10^6
# (micro-units) it still fits a signed 64-bit integer.
MAX_RATE = Decimal(10) ** 12
# Skipped catalog entries logged one by one; past this, one line counts the rest.
LOG_SKIPPED = 20


# --------------------------------------------------------------------------- services


def _service_list(data: Any) -> Iterable[Any]:
    if isinstance(data, list | JsonArray):
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


def parse_service(item: Any, shared: dict[str, str] | None = None) -> Service:
    """A catalog entry. `shared`, kept across one list's entries, makes the texts that
    repeat from entry to entry (category, type, description, average time) one string each
    instead of one per entry: a 10,000-service catalog is ~3 MB smaller while it is synced.
    """
    if not isinstance(item, Mapping):
        raise MalformedAnswer(f"service entry is {type(item).__name__}")
    service_id = to_id(item.get("service", item.get("id")))
    if service_id is None:
        raise MalformedAnswer("service without a usable id")
    rate = _field(to_decimal, item, "rate")
    if rate is None:
        raise MalformedAnswer("rate: missing")
    if rate < 0 or rate > MAX_RATE:
        raise MalformedAnswer(f"rate: out of range: {_shown(item.get('rate'))}")
    minimum = _field(to_int, item, "min")
    maximum = _field(to_int, item, "max")
    if minimum is None or maximum is None:
        raise MalformedAnswer("min/max: missing")
    if minimum < 0 or minimum > maximum or maximum > MAX_INT:
        raise MalformedAnswer(f"min/max: {minimum} / {maximum} out of range or order")
    raw_type = opt_str(item.get("type")) or "Default"
    one = (shared if shared is not None else {}).setdefault
    category = opt_str(item.get("category")) or ""
    description = clean_str(str(item.get("description") or ""))
    average_time = opt_str(item.get("average_time"))
    return Service(
        id=service_id,
        name=opt_str(item.get("name")) or f"Service {service_id}",
        category=one(category, category),
        type=one(raw_type, raw_type),
        kind=normalize_kind(raw_type),
        rate=rate,
        min=minimum,
        max=maximum,
        dripfeed=to_flag(item.get("dripfeed")),
        refill=to_flag(item.get("refill")),
        cancel=to_flag(item.get("cancel")),
        description=one(description, description),
        average_time=None if average_time is None else one(average_time, average_time),
    )


def _field(convert: Callable[[Any], T | None], item: Mapping[str, Any], name: str) -> T | None:
    try:
        return convert(item.get(name))
    except MalformedAnswer as exc:
        raise MalformedAnswer(f"{name}: {exc}") from None


def _shown(value: Any) -> str:
    return repr(safe_text(str(value), limit=40))


def skipped_entry(index: int, item: Any, reason: str) -> SkippedService:
    """Who was skipped, as far as the entry says (its id and name may be garbage too)."""
    service_id = name = None
    if isinstance(item, Mapping):
        raw_id = item.get("service", item.get("id"))
        service_id = safe_text(str(raw_id), limit=40) if raw_id is not None else None
        name = safe_text(opt_str(item.get("name")), limit=80) or None
    return SkippedService(
        service_id=service_id or f"entry #{index + 1}", name=name, reason=safe_text(reason)
    )


def parse_services(data: Any) -> ServiceList:
    """Every usable entry; each unusable one is skipped and listed in ``.skipped``: one
    absurd number must not cost the whole catalog."""
    services: list[Service] = []
    skipped: list[SkippedService] = []
    shared: dict[str, str] = {}
    for index, item in enumerate(_service_list(data)):
        try:
            services.append(parse_service(item, shared))
        except (MalformedAnswer, ValueError, TypeError, ArithmeticError) as exc:
            entry = skipped_entry(index, item, str(exc))
            if len(skipped) < LOG_SKIPPED:
                logger.warning(
                    "Skipping malformed service entry %s: %s", entry.service_id, entry.reason
                )
            skipped.append(entry)
    if len(skipped) > LOG_SKIPPED:
        logger.warning("Skipped %d malformed service entries in all", len(skipped))
    return ServiceList(services, skipped)


# --------------------------------------------------------------------------- orders


def _require_mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedAnswer(f"{what} answer is {type(data).__name__}, not an object")
    return data


def _warning(body: Mapping[str, Any]) -> str | None:
    """What an answer that also carries an id says is wrong, if anything."""
    error = find_error(body)
    if error is not None:
        return error
    status = body.get("status")
    if isinstance(status, str) and status.strip().lower() in {"error", "fail", "failed"}:
        return f"status {safe_text(status, limit=40)!r}"
    return None


def parse_add(data: Any) -> AddResult:
    body = _require_mapping(data, "add")
    order_id = to_id(body.get("order"))
    if order_id is None or order_id.strip("0") == "":
        raise MalformedAnswer("no usable order id in add answer")
    return AddResult(
        order_id=order_id,
        charge=lenient(to_decimal, body.get("charge"), "charge"),
        currency=opt_str(body.get("currency")),
        warning=_warning(body),
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
        raise AnswerRejected(error_text(raw))
    raw_status = "" if raw is None else str(raw).strip()
    return OrderStatus(
        order_id=to_id(body.get("order")) or order_id,
        status=normalize_status(raw_status),
        raw_status=raw_status,
        charge=lenient(to_decimal, body.get("charge"), "charge"),
        start_count=lenient(to_int, body.get("start_count"), "start_count"),
        remains=lenient(to_int, body.get("remains"), "remains"),
        currency=opt_str(body.get("currency")),
        runs=lenient(to_int, body.get("runs"), "runs"),
        orders=_id_list(body.get("orders")),
        expiry=opt_str(body.get("expiry")),
        posts=lenient(to_int, body.get("posts"), "posts"),
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
            result[order_id] = ItemError(message=error_text(item["error"]))
        elif isinstance(item, Mapping):
            try:
                result[order_id] = parse_status(item, order_id)
            except (MalformedAnswer, AnswerRejected) as exc:
                result[order_id] = ItemError(message=str(exc))
        else:
            result[order_id] = ItemError(message=error_text(item))
    return result


# --------------------------------------------------------------------------- refills


def _refill_value(value: Any) -> RefillResult | ItemError:
    if isinstance(value, Mapping):
        if value.get("error"):
            return ItemError(message=error_text(value["error"]))
        return _refill_value(value.get("refill", value.get("id")))
    if isinstance(value, str) and any(ch.isspace() for ch in value.strip()):
        return ItemError(message=value.strip())  # a sentence, not an id
    refill_id = to_id(value)
    if refill_id is None:
        return ItemError(message=f"no refill id in answer: {safe_text(repr(value), limit=60)}")
    return RefillResult(refill_id=refill_id)


def parse_refill(data: Any) -> RefillResult:
    body = _require_mapping(data, "refill")
    success = body.get("success")
    message = opt_str(success) if isinstance(success, str) else None
    refill_value = body.get("refill")
    if isinstance(refill_value, Mapping) and refill_value.get("error"):
        raise AnswerRejected(error_text(refill_value["error"]))
    refill_id = to_id(refill_value)
    if refill_id is None and not success:
        raise MalformedAnswer("neither refill id nor success in refill answer")
    warning = _warning(body) if refill_id is not None else None
    return RefillResult(refill_id=refill_id, message=message, warning=warning)


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
            return ItemError(message=error_text(value["error"]))
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
            return ItemError(message=error_text(value["error"]))
        if "success" in value:
            return CancelResult(accepted=True, message=opt_str(value["success"]))
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
    return ItemError(message=f"unexpected cancel result: {safe_text(repr(value), limit=60)}")


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
    return Balance(amount=amount, currency=opt_str(body.get("currency")) or "")
