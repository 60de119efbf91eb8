"""Unit tests for answer parsing and transport error mapping (no network)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.panel import (
    AddResult,
    ItemError,
    OrderKind,
    OrderState,
    PanelAuthError,
    PanelClient,
    PanelError,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRejected,
    ReasonCode,
    RefillResult,
    normalize_kind,
    normalize_status,
    parse_answer,
    safe_text,
)
from bot.panel.classify import NOT_PROCESSED_4XX, find_error
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


# =========================================================================== safe_text

SECRET = "k8Zq4LmP"  # 8 characters, as in the leak that was found


def test_key_split_by_the_cut_of_a_long_echo_is_not_leaked() -> None:
    # A 4xx page echoing the request, the key where the 200-character cut falls: cutting
    # first and redacting after used to leave 6 of its 8 characters.
    page = "a" * 190 + " " + SECRET + " &action=add" * 30
    text = safe_text(page, SECRET, limit=200)
    assert len(text) <= 200
    for size in range(4, len(SECRET) + 1):
        for start in range(len(SECRET) - size + 1):
            assert SECRET[start : start + size] not in text
    assert text.endswith(" [redac...")  # the marker was cut, not the key


def test_input_already_cut_inside_the_key() -> None:
    assert safe_text("Denied for " + SECRET[:6], SECRET) == "Denied for [redacted]"
    assert safe_text(SECRET[-5:] + " was refused", SECRET) == "[redacted] was refused"
    assert safe_text("key " + SECRET[:5] + "... is wrong", SECRET) == "key [redacted]... is wrong"
    assert safe_text("..." + SECRET[3:] + " tail", SECRET) == "...[redacted] tail"
    assert safe_text("Denied for " + SECRET[:3], SECRET).endswith(SECRET[:3])  # too short


@pytest.mark.parametrize(
    "form",
    [
        "ab%2Fcd%2Bef%3Dgh%20ij",  # quote()
        "ab%2fcd%2bef%3dgh%20ij",  # lower-case escapes
        "ab%2Fcd%2Bef%3Dgh+ij",  # quote_plus()
        "ab\\/cd+ef=gh ij",  # PHP json_encode
    ],
)
def test_url_and_json_encoded_key(form: str) -> None:
    secret = "ab/cd+ef=gh ij"
    text = safe_text(f"POST /api/v2 body: api={form}&action=add", secret)
    assert form not in text and "[redacted]" in text
    assert "action=add" in text


def test_key_in_query_strings_whatever_it_is() -> None:
    text = safe_text("GET /api/v2?action=status&key=0ther-F0rm-Of-Key&order=1 denied", "x" * 10)
    assert "0ther" not in text
    assert "key=[redacted]" in text and "order=1" in text
    echo = safe_text('{"key": "abcdefabcdef", "action": "add"}')
    assert "abcdef" not in echo


def test_cloudflare_page_is_reduced_to_its_words() -> None:
    page = (
        "<!DOCTYPE html>\n<html><head>\n<title>Attention Required! | Cloudflare</title>"
        "<style>body { color: red; }</style>"
        "<script>var upstream = 'origin.worldsmartsmm.com'; window.cf = {}</script>"
        "<!-- upstream: origin.worldsmartsmm.com -->\n</head>"
        "<body>\n\n  <h1>Sorry,   you have been blocked</h1>&amp; <b>Ray ID</b>: 8f1c"
        f"<p>key={SECRET}</p></body></html>"
    )
    text = safe_text(page, SECRET)
    assert (
        text
        == "Attention Required! | Cloudflare Sorry, you have been blocked & Ray ID : 8f1c"
        + (" key=[redacted]")
    )
    assert "<" not in text and "origin" not in text and "color" not in text


def test_key_hidden_by_tags_or_entities() -> None:
    assert SECRET not in safe_text(f"<p>{SECRET[:4]}<b></b>{SECRET[4:]}</p>", SECRET)
    encoded = "".join(f"&#{ord(ch)};" for ch in SECRET)
    assert SECRET not in safe_text(f"<p>bad {encoded} here</p>", SECRET)


def test_safe_text_is_stable_and_bounded() -> None:
    once = safe_text("<b>x</b> " * 100 + SECRET, SECRET, limit=50)
    assert len(once) <= 50
    assert safe_text(once, SECRET, limit=50) == once
    assert safe_text(b"\xff\xfe bad \x00 bytes", "") == "\ufffd\ufffd bad bytes"
    assert safe_text("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert safe_text(None) == ""


@settings(max_examples=300, deadline=None, database=None)
@given(
    prefix=st.text(max_size=80),
    suffix=st.text(max_size=80),
    secret=st.from_regex(r"[A-Za-z0-9_\-]{8,40}", fullmatch=True),
    window=st.tuples(st.integers(0, 400), st.integers(0, 400)),
    limit=st.integers(12, 250),
)
def test_no_key_fragment_survives_any_cut(
    prefix: str, suffix: str, secret: str, window: tuple[int, int], limit: int
) -> None:
    whole = prefix + secret + suffix
    start, end = sorted(window)
    text = safe_text(whole[start:end], secret, limit=limit)  # input cut anywhere
    assert len(text) <= limit
    assert secret not in text
    body = text.removesuffix("...")
    for size in range(4, len(secret)):
        assert not body.startswith(secret[-size:])
        assert not body.endswith(secret[:size])
    for size in range(8, len(secret)):
        assert secret[:size] not in text and secret[-size:] not in text


# =========================================================================== add safety


@settings(max_examples=300, deadline=None, database=None)
@given(
    status=st.integers(200, 599),
    order=st.one_of(
        st.integers(1, 2**40), st.from_regex(r"[1-9][0-9]{0,12}(\.0)?", fullmatch=True)
    ),
    extra=st.dictionaries(
        st.sampled_from(["error", "status", "message", "charge", "currency"]),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans()),
    ),
)
def test_an_answer_naming_an_order_is_never_rejected(
    status: int, order: int | str, extra: dict[str, Any]
) -> None:
    body = json.dumps({"order": order, **extra})
    try:
        result = parse_answer("add", status, body, parse_add)
    except PanelError as exc:
        assert isinstance(exc, PanelOutcomeUnknown), repr(exc)
        assert 300 <= status < 400
        return
    assert result.order_id == str(order).removesuffix(".0")
    if status != 200 or extra.get("error"):
        assert result.warning


@settings(max_examples=300, deadline=None, database=None)
@given(
    status=st.one_of(st.integers(200, 599), st.sampled_from([200, 400, 422, 429, 500])),
    body=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from(["order", "error", "status"]), inner, max_size=3)
            ),
            max_leaves=10,
        ).map(json.dumps),
    ),
)
def test_any_answer_to_add_is_a_result_or_a_safe_error(status: int, body: str | bytes) -> None:
    try:
        result = parse_answer("add", status, body, parse_add)
    except PanelError as exc:
        assert len(exc.message) <= 300
        if isinstance(exc, PanelRejected | PanelNotSent):
            # only a definite answer may say so: a JSON error text, or a code that
            # means "refused before anything was done"
            definite = status == 429 or status in NOT_PROCESSED_4XX
            assert definite or (status < 500 and find_error(_json_or_none(body)) is not None)
            assert not isinstance(exc, PanelNotSent) or exc.reason_code is ReasonCode.PROVIDER_BUSY
        return
    assert isinstance(result, AddResult) and result.order_id


def _json_or_none(body: str | bytes) -> Any:
    try:
        return loads_lenient(body.decode("utf-8", "replace") if isinstance(body, bytes) else body)
    except ValueError:
        return None


@settings(max_examples=200, deadline=None, database=None)
@given(
    item=st.dictionaries(
        st.sampled_from(["service", "id", "name", "rate", "min", "max", "type", "category"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**70), max_value=2**70),
            st.decimals(allow_nan=True, allow_infinity=True),
            st.text(max_size=12),
            st.sampled_from(["1e13", "NaN", "-Infinity", "1e999999999", "9" * 5000]),
        ),
    )
)
def test_any_catalog_entry_is_a_service_or_skipped(item: dict[str, Any]) -> None:
    result = parse_services([item])
    assert len(result) + len(result.skipped) == 1
    for service in result:
        assert 0 <= service.rate <= Decimal(10) ** 12
        assert 0 <= service.min <= service.max < 2**63
