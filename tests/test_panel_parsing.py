"""Unit tests for answer parsing and transport error mapping (no network)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from bot.panel import (
    ItemError,
    OrderKind,
    OrderState,
    PanelAuthError,
    PanelClient,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRejected,
    RefillResult,
    normalize_kind,
    normalize_status,
    parse_answer,
)
from bot.panel.client import _parse_retry_after
from bot.panel.parsing import (
    MalformedAnswer,
    loads_lenient,
    parse_add,
    parse_balance,
    parse_cancel,
    parse_refill,
    parse_refills,
    parse_services,
    parse_status,
    parse_statuses,
    strip_trailing_commas,
)
from bot.panel.values import to_decimal


def answer(body: str | bytes, parser: Any, status: int = 200) -> Any:
    return parse_answer("test", status, body, parser)


@pytest.mark.parametrize(
    "raw",
    [
        "Custom Comments",
        "custom_comments",
        "CUSTOM-COMMENTS",
        " custom  comments ",
        "CustomComments",
    ],
)
def test_normalize_kind(raw: str) -> None:
    assert normalize_kind(raw) is OrderKind.CUSTOM_COMMENTS


def test_normalize_kind_all_and_unknown() -> None:
    assert normalize_kind("Mentions with Hashtags") is OrderKind.MENTIONS_WITH_HASHTAGS
    assert normalize_kind("Invites from Groups") is OrderKind.INVITES_FROM_GROUPS
    assert normalize_kind("Subscriptions") is OrderKind.SUBSCRIPTIONS
    assert normalize_kind("Hologram") is None
    assert normalize_kind("") is None
    for kind in OrderKind:
        assert normalize_kind(kind.value.replace("_", " ").title()) is kind


def test_normalize_status_spellings() -> None:
    assert normalize_status("In progess") is OrderState.IN_PROGRESS
    assert normalize_status("in_progress") is OrderState.IN_PROGRESS
    assert normalize_status("CANCELLED") is OrderState.CANCELED
    assert normalize_status("error") is OrderState.FAILED
    assert normalize_status(None) is None
    assert normalize_status("??") is None


def test_trailing_commas_outside_strings_only() -> None:
    text = '{"a": "x,}", "b": [1, 2, ], "c": "q\\",]", "d": {"e": 1,},}'
    assert json.loads(strip_trailing_commas(text)) == {
        "a": "x,}",
        "b": [1, 2],
        "c": 'q",]',
        "d": {"e": 1},
    }
    assert loads_lenient('{"status": "Completed",}') == {"status": "Completed"}
    assert loads_lenient("[1,2,]") == [1, 2]
    assert loads_lenient('\ufeff {"x": 1.10}') == {"x": Decimal("1.10")}
    # A NaN is unusable as a number but does not make the whole answer unreadable.
    nan = loads_lenient('{"x": NaN, "y": -Infinity}')
    with pytest.raises(MalformedAnswer):
        to_decimal(nan["x"])
    with pytest.raises(MalformedAnswer):
        to_decimal(nan["y"])
    with pytest.raises(ValueError):
        loads_lenient('{"a" 1,}')


def test_status_numbers_empty_null_negative_and_floats() -> None:
    status = answer(
        '{"status": "Partial", "charge": 0.1, "start_count": "", "remains": "-3",'
        ' "currency": null, "runs": null, "orders": "1,2"}',
        parse_status,
    )
    assert status.charge == Decimal("0.1")
    assert status.start_count is None
    assert status.remains == -3
    assert status.currency is None
    assert status.orders == ["1", "2"]
    garbage = answer('{"status": "Pending", "charge": "n/a", "remains": "12.5"}', parse_status)
    assert garbage.charge is None and garbage.remains is None
    assert garbage.status is OrderState.PENDING


def test_float_converted_via_str() -> None:
    # Even if a float sneaks in, it is converted through its text, not its binary value.
    assert parse_balance({"balance": 0.1, "currency": "USD"}).amount == Decimal("0.1")


def test_order_status_error_is_not_a_rejection() -> None:
    status = answer('{"status": "Error", "charge": "0", "remains": "10"}', parse_status)
    assert status.status is OrderState.FAILED
    with pytest.raises(PanelRejected) as info:
        answer('{"status": "error", "message": "Incorrect order ID"}', parse_status)
    assert info.value.message == "Incorrect order ID"


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("Invalid API key", PanelAuthError),
        ("Incorrect API Key", PanelAuthError),
        ("error.incorrect_key", PanelAuthError),
        ("neworder.error.not_enough_funds", PanelInsufficientFunds),
        ("Not enough funds on balance", PanelInsufficientFunds),
        ("Insufficient balance", PanelInsufficientFunds),
        ("neworder.error.link_duplicate", PanelRejected),
    ],
)
def test_rejection_classes(text: str, cls: type[PanelRejected]) -> None:
    with pytest.raises(PanelRejected) as info:
        answer(json.dumps({"error": text}), parse_add)
    assert type(info.value) is cls
    assert info.value.message == text


def test_http_status_mapping() -> None:
    with pytest.raises(PanelRejected) as info:
        answer("<html>Forbidden</html>", parse_add, status=403)
    assert info.value.http_status == 403
    with pytest.raises(PanelRejected):
        answer('{"error": "Unprocessable"}', parse_add, status=422)
    with pytest.raises(PanelOutcomeUnknown):
        answer('{"error": "boom"}', parse_add, status=503)
    with pytest.raises(PanelRejected, match="redirect"):
        answer("", parse_add, status=302)
    with pytest.raises(PanelOutcomeUnknown) as garbage:
        answer("x" * 5000, parse_add)
    assert len(str(garbage.value)) < 300


def test_add_answer_without_order_is_unknown() -> None:
    with pytest.raises(PanelOutcomeUnknown):
        answer('{"status": "success"}', parse_add)
    assert answer('{"order": "ord_01HGX"}', parse_add).order_id == "ord_01HGX"
    assert answer('{"status":"success","order":32}', parse_add).order_id == "32"


def test_services_shapes() -> None:
    assert answer('{"status": "success", "data": "Empty Data"}', parse_services) == []
    assert answer("[]", parse_services) == []
    keyed = answer('{"5": {"service": 5, "rate": "1", "min": 1, "max": 2}}', parse_services)
    assert [s.id for s in keyed] == ["5"]
    with pytest.raises(PanelOutcomeUnknown):
        answer('"nope"', parse_services)


def test_multi_shapes() -> None:
    result = parse_statuses({"1": {"status": "Completed"}, "2": {"error": "Incorrect"}}, ["1", "2"])
    assert result["2"] == ItemError(message="Incorrect")
    single = parse_statuses({"status": "Pending", "charge": "1"}, ["9"])
    assert not isinstance(single["9"], ItemError) and single["9"].order_id == "9"
    refills = parse_refills(
        [{"order": 1, "refill": 1}, {"order": 3, "refill": {"error": "x"}}], ["1", "3"]
    )
    assert refills == {"1": RefillResult(refill_id="1"), "3": ItemError(message="x")}
    assert parse_refills({"refill": "7"}, ["4"]) == {"4": RefillResult(refill_id="7")}
    assert parse_refill({"success": "ok", "refill": 12345}) == RefillResult(
        refill_id="12345", message="ok"
    )
    cancel = parse_cancel([{"order": 9, "cancel": {"error": "no"}}, {"order": 2, "cancel": 1}], [])
    assert cancel["9"] == ItemError(message="no")
    assert cancel["2"].accepted is True  # type: ignore[union-attr]


def test_retry_after_header_forms() -> None:
    assert _parse_retry_after("5") == 5.0
    assert _parse_retry_after(None) is None
    assert _parse_retry_after("soon") is None
    assert _parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


class _Raising:
    """A stand-in session whose ``post`` fails the way aiohttp does."""

    closed = False

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.calls = 0

    def post(self, *args: Any, **kwargs: Any) -> _Raising:
        self.calls += 1
        assert "key" not in str(args[0])
        return self

    async def __aenter__(self) -> None:
        raise self.exc

    async def __aexit__(self, *args: Any) -> None:
        return None


@pytest.mark.parametrize(
    ("exc", "expected", "read_only_calls"),
    [
        (aiohttp.ConnectionTimeoutError("connect"), PanelNotSent, 3),
        (aiohttp.SocketTimeoutError("read"), PanelOutcomeUnknown, 3),
        (TimeoutError(), PanelOutcomeUnknown, 3),
        (aiohttp.ServerDisconnectedError(), PanelOutcomeUnknown, 3),
        (aiohttp.ClientPayloadError("cut"), PanelOutcomeUnknown, 3),
        (aiohttp.ClientOSError(104, "reset"), PanelOutcomeUnknown, 3),
    ],
)
async def test_transport_error_mapping(
    exc: BaseException, expected: type[Exception], read_only_calls: int
) -> None:
    session = _Raising(exc)
    client = PanelClient(
        "https://panel.invalid/api/v3",
        "k3y-secret",
        session=session,  # type: ignore[arg-type]
        retries=2,
        backoff=0,
    )
    with pytest.raises(expected) as info:
        await client.balance()
    assert session.calls == read_only_calls
    assert "k3y-secret" not in str(info.value)
    with pytest.raises(expected):
        await client.add("1", {"link": "x", "quantity": 1})
    assert session.calls == read_only_calls + 1
    await client.close()  # a passed-in session is not ours to close
