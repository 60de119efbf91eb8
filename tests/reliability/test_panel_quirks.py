"""A corpus of real-world panel answers, each checked for the outcome that is safe for its
action, through the real PanelClient against a real server on 127.0.0.1.

The rule being guarded (see bot/panel/classify.py): ``add``, ``refill`` and ``cancel``
change something at the panel, so an answer whose meaning is not definite must never be
"rejected" or "not sent" for them (that would refund an order the panel may hold, or
send it twice); an answer that names an order id is a result with a ``warning``. Reads
may be retried, so for them "unknown" and "not sent" are both fine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from bot.panel import (
    AddResult,
    CancelResult,
    ItemError,
    OrderState,
    PanelAuthError,
    PanelClient,
    PanelError,
    PanelInsufficientFunds,
    PanelNotSent,
    PanelOutcomeUnknown,
    PanelRateLimited,
    PanelRejected,
    ReasonCode,
    RefillResult,
    Service,
    ServiceList,
)
from tests.fakes.panel import HTML_502, FakePanel, RawServer

KEY = "corpus-Key-0123456789abcdef"
WRITES = {"add", "refill", "cancel"}
OID = "23501"

Check = Callable[[Any], None]


@dataclass(frozen=True)
class Quirk:
    id: str
    action: str  # add, status, statuses, services, refill, cancel
    status: int
    body: str | bytes
    # an error class (matched exactly) or a check of the result
    expect: type[PanelError] | Check
    reason: ReasonCode | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    cut_after: int | None = None


CALLS: dict[str, Callable[[PanelClient], Awaitable[Any]]] = {
    "add": lambda c: c.add("2", {"link": "https://t.me/x", "quantity": 100}),
    "status": lambda c: c.status(OID),
    "statuses": lambda c: c.statuses([OID, "23502"]),
    "services": lambda c: c.services(),
    "refill": lambda c: c.refill(OID),
    "cancel": lambda c: c.cancel([OID]),
}


# --------------------------------------------------------------------------- checks


def placed(order_id: str = OID, *, warning: str | None = None, **attrs: Any) -> Check:
    """An AddResult for ``order_id``; ``warning``: a text the warning must contain."""

    def check(result: Any) -> None:
        assert isinstance(result, AddResult)
        assert result.order_id == order_id
        if warning is None:
            assert result.warning is None
        else:
            assert result.warning is not None and warning in result.warning
        for name, value in attrs.items():
            assert getattr(result, name) == value

    return check


def order_status(state: OrderState | None, **attrs: Any) -> Check:
    def check(result: Any) -> None:
        assert result.status is state
        for name, value in attrs.items():
            assert getattr(result, name) == value

    return check


def statuses(**expected: OrderState | ReasonCode) -> Check:
    """``_23501=OrderState.PENDING``: a status; a ReasonCode: an ItemError with it."""

    def check(result: Any) -> None:
        assert set(result) == {key.lstrip("_") for key in expected}
        for key, value in expected.items():
            item = result[key.lstrip("_")]
            if isinstance(value, ReasonCode):
                assert isinstance(item, ItemError) and item.reason_code is value
            else:
                assert not isinstance(item, ItemError) and item.status is value

    return check


def services(ids: list[str], skipped: int = 0) -> Check:
    def check(result: Any) -> None:
        assert isinstance(result, ServiceList)
        assert all(isinstance(s, Service) for s in result)
        assert [s.id for s in result] == ids
        assert len(result.skipped) == skipped

    return check


def refill(
    refill_id: str | None, *, message: str | None = None, warning: str | None = None
) -> Check:
    def check(result: Any) -> None:
        assert isinstance(result, RefillResult)
        assert result.refill_id == refill_id
        assert result.message == message
        if warning is None:
            assert result.warning is None
        else:
            assert result.warning is not None and warning in result.warning

    return check


def canceled(accepted: bool = True, reason: ReasonCode | None = None) -> Check:
    def check(result: Any) -> None:
        item = result[OID]
        if reason is not None:
            assert isinstance(item, ItemError) and item.reason_code is reason
        else:
            assert isinstance(item, CancelResult) and item.accepted is accepted

    return check


# --------------------------------------------------------------------------- bodies

CLOUDFLARE_403 = (
    "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title>"
    "<script>window._cf_chl_opt={cvId: '2'};</script><style>body{color:red}</style></head>"
    "<body><h1>Sorry, you have been blocked</h1><p>upstream worldsmartsmm.com</p></body></html>"
)
NGINX_404 = "<html><head><title>404 Not Found</title></head><body><h1>404</h1></body></html>"
ECHO_400 = f"<html><body><pre>POST /api/v3 key={KEY}&action=add&service=2</pre></body></html>"
BOM = "\ufeff"
DEEP = "[" * 50_000 + "]" * 50_000
STATUS_BODY = '{"charge": "0.27819", "start_count": "3572", "status": "Partial", "remains": "157", "currency": "USD"}'  # noqa: E501
SERVICE = '{"service": 1, "name": "Followers", "type": "Default", "category": "C", "rate": "0.90", "min": "50", "max": "10000"}'  # noqa: E501
SERVICE2 = SERVICE.replace('"service": 1', '"service": "2"')

Q = Quirk
QUIRKS: list[Quirk] = [
    # ------------------------------------------------------------------ add: placed
    Q("add-canonical", "add", 200, '{"order": 23501}', placed()),
    Q("add-id-string", "add", 200, '{"order": "23501"}', placed()),
    Q("add-id-float", "add", 200, '{"order": 23501.0}', placed()),
    Q("add-id-float-string", "add", 200, '{"order": "23501.0"}', placed()),
    Q("add-id-ulid", "add", 200, '{"order": "ord_01HGX9"}', placed("ord_01HGX9")),
    Q("add-status-success", "add", 200, '{"status": "success", "order": 32}', placed("32")),
    Q("add-charge-strings", "add", 200, '{"order": 23501, "charge": "0.0360", "currency": "USD"}',
      placed(charge=Decimal("0.0360"), currency="USD")),
    Q("add-charge-garbage", "add", 200, '{"order": 23501, "charge": "n/a"}', placed(charge=None)),
    Q("add-bom", "add", 200, BOM + '{"order": 23501}', placed()),
    Q("add-trailing-comma", "add", 200, '{"order": 23501,}', placed()),
    Q("add-html-content-type", "add", 200, '{"order": 23501}', placed(), content_type="text/html"),
    Q("add-no-content-type", "add", 200, '{"order": 23501}', placed(), content_type=None),
    Q("add-non-utf8", "add", 200, b'{"order": 23501, "currency": "US\xff"}',
      placed(currency="US\ufffd")),
    # ------------------------------------------------------------------ add: an id and trouble
    Q("add-id-and-error", "add", 200, '{"order": 23501, "error": "Link check failed"}',
      placed(warning="Link check failed")),
    Q("add-status-error-with-id", "add", 200, '{"status": "error", "order": 23501}',
      placed(warning="status 'error'")),
    Q("add-status-error-message-with-id", "add", 200,
      '{"status": "error", "message": "neworder.error.link_duplicate", "order": "23501"}',
      placed(warning="link_duplicate")),
    Q("add-400-with-id", "add", 400, '{"order": 23501, "error": "Bad request"}',
      placed(warning="HTTP 400; Bad request")),
    Q("add-422-with-id", "add", 422, '{"order": "23501"}', placed(warning="HTTP 422")),
    Q("add-500-with-id", "add", 500, '{"order": 23501}', placed(warning="HTTP 500")),
    Q("add-429-with-id", "add", 429, '{"order": 23501}', placed(warning="HTTP 429")),
    Q("add-id-zero-with-error", "add", 200, '{"order": 0, "error": "Not created"}',
      PanelOutcomeUnknown),
    Q("add-id-fraction", "add", 200, '{"order": 23501.5}', PanelOutcomeUnknown),
    Q("add-id-bool", "add", 200, '{"order": true}', PanelOutcomeUnknown),
    Q("add-id-nan", "add", 200, '{"order": NaN}', PanelOutcomeUnknown),
    Q("add-id-sentence", "add", 200, '{"order": "will be created soon"}', PanelOutcomeUnknown),
    Q("add-truncated-json-with-id", "add", 200, '{"order": 23501, "charge": "0.3',
      PanelOutcomeUnknown),
    Q("add-400-html-with-id", "add", 400, "<html>order=23501 failed</html>", PanelOutcomeUnknown,
      content_type="text/html"),
    # ------------------------------------------------------------------ add: unknown
    Q("add-html-200", "add", 200, "<html><body>Site under maintenance</body></html>",
      PanelOutcomeUnknown, content_type="text/html"),
    Q("add-empty-200", "add", 200, "", PanelOutcomeUnknown),
    Q("add-null", "add", 200, "null", PanelOutcomeUnknown),
    Q("add-empty-object", "add", 200, "{}", PanelOutcomeUnknown),
    Q("add-list", "add", 200, '[{"order": 23501}]', PanelOutcomeUnknown),
    Q("add-json-string", "add", 200, '"ok"', PanelOutcomeUnknown),
    Q("add-success-no-id", "add", 200, '{"status": "success"}', PanelOutcomeUnknown),
    Q("add-status-error-bare", "add", 200, '{"status": "error"}', PanelOutcomeUnknown),
    Q("add-deep-json", "add", 200, DEEP, PanelOutcomeUnknown),
    Q("add-internal-error-text", "add", 200, '{"error": "Internal server error"}',
      PanelOutcomeUnknown),
    Q("add-sql-error-text", "add", 200, '{"error": "SQLSTATE[HY000]: General error"}',
      PanelOutcomeUnknown),
    Q("add-500-html", "add", 500, "<html><h1>500 Internal Server Error</h1>nginx</html>",
      PanelOutcomeUnknown, content_type="text/html"),
    Q("add-502-cloudflare", "add", 502, HTML_502, PanelOutcomeUnknown, content_type="text/html"),
    Q("add-503-retry-after", "add", 503, "Service Unavailable", PanelOutcomeUnknown,
      headers={"Retry-After": "30"}, content_type="text/plain"),
    Q("add-504-json-error", "add", 504, '{"error": "Gateway timeout"}', PanelOutcomeUnknown),
    Q("add-301", "add", 301, "", PanelOutcomeUnknown,
      headers={"Location": "https://panel.example/api/v3"}),
    Q("add-302", "add", 302, '{"order": "x"}', PanelOutcomeUnknown, headers={"Location": "/login"}),
    Q("add-307", "add", 307, "", PanelOutcomeUnknown, headers={"Location": "/api/v2"}),
    Q("add-408", "add", 408, "Request Timeout", PanelOutcomeUnknown, content_type="text/plain"),
    Q("add-409-html", "add", 409, "<html>Conflict</html>", PanelOutcomeUnknown,
      content_type="text/html"),
    Q("add-499", "add", 499, "", PanelOutcomeUnknown),
    Q("add-reset-mid-body", "add", 200, '{"order": 23501, "charge": "0.36000"}',
      PanelOutcomeUnknown, cut_after=10),
    # ------------------------------------------------------------------ add: definite no
    Q("add-error-link", "add", 200, '{"error": "neworder.error.link"}', PanelRejected,
      ReasonCode.INVALID_LINK),
    Q("add-error-duplicate", "add", 200,
      '{"error": "You have active order with this link. Please wait until order being completed."}',
      PanelRejected, ReasonCode.DUPLICATE_ACTIVE_ORDER),
    Q("add-error-min", "add", 200, '{"error": "Quantity less than minimal 100"}', PanelRejected,
      ReasonCode.QUANTITY_OUT_OF_RANGE),
    Q("add-error-service", "add", 200, '{"error": "error.incorrect_service_id"}', PanelRejected,
      ReasonCode.SERVICE_UNAVAILABLE),
    Q("add-status-message", "add", 200, '{"status": "error", "message": "neworder.error.quantity"}',
      PanelRejected, ReasonCode.QUANTITY_OUT_OF_RANGE),
    Q("add-error-object", "add", 200, '{"error": {"code": 7, "message": "Incorrect link"}}',
      PanelRejected, ReasonCode.INVALID_LINK),
    Q("add-error-null-order", "add", 200, '{"order": null, "error": "neworder.error.link"}',
      PanelRejected, ReasonCode.INVALID_LINK),
    Q("add-funds", "add", 200, '{"error": "neworder.error.not_enough_funds"}',
      PanelInsufficientFunds, ReasonCode.NOT_ENOUGH_FUNDS_PANEL),
    Q("add-422-error", "add", 422, '{"error": "Incorrect service ID"}', PanelRejected,
      ReasonCode.SERVICE_UNAVAILABLE),
    Q("add-401-key", "add", 401, '{"error": "Invalid API key"}', PanelAuthError,
      ReasonCode.PROVIDER_ERROR),
    Q("add-403-key-echo", "add", 403, f'{{"error": "Key {KEY} is invalid"}}', PanelAuthError,
      ReasonCode.PROVIDER_ERROR),
    Q("add-403-cloudflare", "add", 403, CLOUDFLARE_403, PanelRejected, ReasonCode.PROVIDER_ERROR,
      content_type="text/html"),
    Q("add-400-echo", "add", 400, ECHO_400, PanelRejected, ReasonCode.PROVIDER_ERROR,
      content_type="text/html"),
    Q("add-404-html", "add", 404, NGINX_404, PanelRejected, ReasonCode.PROVIDER_ERROR,
      content_type="text/html"),
    Q("add-very-long-error", "add", 200, '{"error": "' + "Incorrect link " * 5000 + '"}',
      PanelRejected, ReasonCode.INVALID_LINK),
    # ------------------------------------------------------------------ add: busy
    Q("add-429-retry-after", "add", 429, '{"error": "Too many requests"}', PanelRateLimited,
      ReasonCode.PROVIDER_BUSY, headers={"Retry-After": "30"}),
    Q("add-429-http-date", "add", 429, "", PanelRateLimited, ReasonCode.PROVIDER_BUSY,
      headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
    Q("add-429-html", "add", 429, "<html>Slow down</html>", PanelRateLimited,
      ReasonCode.PROVIDER_BUSY, content_type="text/html"),
    Q("add-200-too-many", "add", 200, '{"error": "Too many requests, try again later"}',
      PanelRateLimited, ReasonCode.PROVIDER_BUSY),
    # ------------------------------------------------------------------ status (single)
    Q("status-canonical", "status", 200, STATUS_BODY,
      order_status(OrderState.PARTIAL, remains=157, charge=Decimal("0.27819"))),
    Q("status-numbers", "status", 200, '{"status": "In progress", "remains": 10, "charge": 0.5}',
      order_status(OrderState.IN_PROGRESS, remains=10, charge=Decimal("0.5"))),
    Q("status-trailing-comma-html-type", "status", 200, '{"status": "Completed",}',
      order_status(OrderState.COMPLETED), content_type="text/html"),
    Q("status-bom", "status", 200, BOM + '{"status": "Pending"}', order_status(OrderState.PENDING)),
    Q("status-garbage-numbers", "status", 200,
      '{"status": "Pending", "charge": "n/a", "remains": "1e999999999", "start_count": 1.5}',
      order_status(OrderState.PENDING, charge=None, remains=None, start_count=None)),
    Q("status-unknown-word", "status", 200, '{"status": "Teleported"}', order_status(None)),
    Q("status-error", "status", 200, '{"error": "Incorrect order ID"}', PanelRejected,
      ReasonCode.ORDER_NOT_FOUND),
    Q("status-status-message", "status", 200,
      '{"status": "error", "message": "Order ID not Found"}', PanelRejected,
      ReasonCode.ORDER_NOT_FOUND),
    Q("status-nested-error", "status", 200, '{"status": {"error": "Incorrect order ID"}}',
      PanelRejected, ReasonCode.ORDER_NOT_FOUND),
    Q("status-403-key", "status", 403, '{"error": "Invalid API key"}', PanelAuthError),
    Q("status-404-html", "status", 404, NGINX_404, PanelRejected, ReasonCode.PROVIDER_ERROR,
      content_type="text/html"),
    Q("status-301", "status", 301, "", PanelRejected, ReasonCode.PROVIDER_ERROR,
      headers={"Location": "https://panel.example/api/v3"}),
    Q("status-html-200", "status", 200, "<html>Login</html>", PanelOutcomeUnknown,
      content_type="text/html"),
    Q("status-empty", "status", 200, "", PanelOutcomeUnknown),
    Q("status-null", "status", 200, "null", PanelOutcomeUnknown),
    Q("status-no-status", "status", 200, '{"charge": "1"}', PanelOutcomeUnknown),
    Q("status-502", "status", 502, HTML_502, PanelOutcomeUnknown, content_type="text/html"),
    Q("status-429", "status", 429, "", PanelRateLimited, ReasonCode.PROVIDER_BUSY,
      headers={"Retry-After": "1"}),
    Q("status-reset-mid-body", "status", 200, STATUS_BODY, PanelOutcomeUnknown, cut_after=20),
    # ------------------------------------------------------------------ status (multi)
    Q("statuses-canonical", "statuses", 200,
      '{"23501": {"status": "Completed"}, "23502": "Incorrect order ID"}',
      statuses(_23501=OrderState.COMPLETED, _23502=ReasonCode.ORDER_NOT_FOUND)),
    Q("statuses-object-errors", "statuses", 200,
      '{"23501": {"error": "Incorrect order ID"}, "23502": {"status": "Canceled",}}',
      statuses(_23501=ReasonCode.ORDER_NOT_FOUND, _23502=OrderState.CANCELED)),
    Q("statuses-list-form", "statuses", 200,
      '[{"order": 23501, "status": "Pending"}, {"order": "23502", "status": "Partial"}]',
      statuses(_23501=OrderState.PENDING, _23502=OrderState.PARTIAL)),
    Q("statuses-item-garbage", "statuses", 200, '{"23501": 5, "23502": {"charge": "1"}}',
      statuses(_23501=ReasonCode.OTHER, _23502=ReasonCode.OTHER)),
    Q("statuses-key-error", "statuses", 200, '{"error": "Invalid API key"}', PanelAuthError),
    Q("statuses-500", "statuses", 500, '{"error": "boom"}', PanelOutcomeUnknown),
    Q("statuses-html", "statuses", 200, "<html></html>", PanelOutcomeUnknown,
      content_type="text/html"),
    Q("statuses-null", "statuses", 200, "null", PanelOutcomeUnknown),
    # ------------------------------------------------------------------ services
    Q("services-canonical", "services", 200, f"[{SERVICE}, {SERVICE2}]", services(["1", "2"])),
    Q("services-wrapped", "services", 200, f'{{"services": [{SERVICE}], "count": 1}}',
      services(["1"])),
    Q("services-data", "services", 200, f'{{"status": "success", "data": [{SERVICE2}]}}',
      services(["2"])),
    Q("services-empty-data", "services", 200, '{"status": "success", "data": "Empty Data"}',
      services([])),
    Q("services-bom-trailing-comma", "services", 200, BOM + f"[{SERVICE},]", services(["1"])),
    Q("services-absurd-rate", "services", 200,
      f'[{SERVICE.replace(chr(34) + "0.90" + chr(34), "1e13")}, {SERVICE2}]',
      services(["2"], skipped=1)),
    Q("services-nan-literal", "services", 200,
      f'[{SERVICE.replace(chr(34) + "0.90" + chr(34), "NaN")}, {SERVICE2}]',
      services(["2"], skipped=1)),
    Q("services-huge-int", "services", 200,
      f'[{SERVICE.replace(chr(34) + "10000" + chr(34), "9" * 5000)}, {SERVICE2}]',
      services(["2"], skipped=1)),
    Q("services-key-error", "services", 200, '{"error": "Invalid API key"}', PanelAuthError),
    Q("services-html", "services", 200, CLOUDFLARE_403, PanelOutcomeUnknown,
      content_type="text/html"),
    Q("services-null", "services", 200, "null", PanelOutcomeUnknown),
    Q("services-503", "services", 503, "", PanelOutcomeUnknown),
    Q("services-truncated", "services", 200, f"[{SERVICE}, {SERVICE2[:30]}", PanelOutcomeUnknown),
    # ------------------------------------------------------------------ refill
    Q("refill-id-string", "refill", 200, '{"refill": "1"}', refill("1")),
    Q("refill-id-int", "refill", 200, '{"refill": 1}', refill("1")),
    Q("refill-success", "refill", 200, '{"success": "Your order will be refill asap."}',
      refill(None, message="Your order will be refill asap.")),
    Q("refill-id-and-error", "refill", 200, '{"refill": 77, "error": "Partial refill only"}',
      refill("77", warning="Partial refill only")),
    Q("refill-400-with-id", "refill", 400, '{"refill": "77"}', refill("77", warning="HTTP 400")),
    Q("refill-in-progress", "refill", 200, '{"error": "Refill already in progress"}',
      PanelRejected, ReasonCode.ALREADY_REQUESTED),
    Q("refill-not-eligible", "refill", 200, '{"error": "Order not eligible for refill"}',
      PanelRejected, ReasonCode.REFILL_NOT_AVAILABLE),
    Q("refill-nested-error", "refill", 200, '{"refill": {"error": "Order ID not Found"}}',
      PanelRejected, ReasonCode.ORDER_NOT_FOUND),
    Q("refill-id-zero", "refill", 200, '{"refill": 0}', PanelOutcomeUnknown),
    Q("refill-502", "refill", 502, HTML_502, PanelOutcomeUnknown, content_type="text/html"),
    Q("refill-301", "refill", 301, "", PanelOutcomeUnknown, headers={"Location": "/"}),
    Q("refill-409", "refill", 409, "", PanelOutcomeUnknown),
    Q("refill-html-200", "refill", 200, "<html>Login</html>", PanelOutcomeUnknown,
      content_type="text/html"),
    Q("refill-empty", "refill", 200, "", PanelOutcomeUnknown),
    Q("refill-429", "refill", 429, "", PanelRateLimited, ReasonCode.PROVIDER_BUSY),
    Q("refill-reset-mid-body", "refill", 200, '{"refill": "12345"}', PanelOutcomeUnknown,
      cut_after=5),
    # ------------------------------------------------------------------ cancel
    Q("cancel-multi-form", "cancel", 200, '[{"order": 23501, "cancel": 1}]', canceled()),
    Q("cancel-single-success", "cancel", 200,
      '{"success": "Your order will be cancel asap. Thank you for patience."}', canceled()),
    Q("cancel-multi-refused", "cancel", 200, '[{"order": "23501", "cancel": 0}]',
      canceled(accepted=False)),
    Q("cancel-item-error", "cancel", 200,
      '[{"order": 23501, "cancel": {"error": "Cancel is not available for this order"}}]',
      canceled(reason=ReasonCode.CANCEL_NOT_AVAILABLE)),
    Q("cancel-single-error", "cancel", 200,
      '{"error": "Cancel request already in progress please wait"}',
      canceled(reason=ReasonCode.ALREADY_REQUESTED)),
    Q("cancel-422-error", "cancel", 422, '{"error": "Order ID not Found"}',
      canceled(reason=ReasonCode.ORDER_NOT_FOUND)),
    Q("cancel-key-error", "cancel", 200, '{"error": "Invalid API key"}', PanelAuthError),
    Q("cancel-internal-error", "cancel", 200, '{"error": "Unexpected error, contact support"}',
      PanelOutcomeUnknown),
    Q("cancel-502", "cancel", 502, HTML_502, PanelOutcomeUnknown, content_type="text/html"),
    Q("cancel-302", "cancel", 302, "", PanelOutcomeUnknown, headers={"Location": "/login"}),
    Q("cancel-409", "cancel", 409, "<html>Conflict</html>", PanelOutcomeUnknown,
      content_type="text/html"),
    Q("cancel-html-200", "cancel", 200, "<html>Login</html>", PanelOutcomeUnknown,
      content_type="text/html"),
    Q("cancel-null", "cancel", 200, "null", PanelOutcomeUnknown),
    Q("cancel-429", "cancel", 429, "", PanelRateLimited, ReasonCode.PROVIDER_BUSY),
    Q("cancel-reset-mid-body", "cancel", 200, '[{"order": 23501, "cancel": 1}]',
      PanelOutcomeUnknown, cut_after=8),
]  # fmt: skip


def test_corpus_is_big_and_ids_unique() -> None:
    assert len({q.id for q in QUIRKS}) == len(QUIRKS) >= 60
    assert {q.action for q in QUIRKS} == set(CALLS)


@pytest.fixture
async def panel() -> Any:
    async with FakePanel(key=KEY) as fake:
        yield fake


def _assert_safe_message(error: PanelError) -> None:
    for text in (str(error), repr(error), error.message):
        assert KEY not in text and KEY[:8] not in text and KEY[-8:] not in text
        assert "<" not in error.message and "script" not in error.message.lower()
    assert len(error.message) <= 300
    assert isinstance(error.reason_code, ReasonCode)


@pytest.mark.parametrize("quirk", QUIRKS, ids=[q.id for q in QUIRKS])
async def test_panel_quirk(panel: FakePanel, quirk: Quirk) -> None:
    panel.raw_answer(
        quirk.status,
        quirk.body,
        headers=quirk.headers,
        content_type=quirk.content_type,
        cut_after=quirk.cut_after,
        process=False,
        times=None,
    )
    async with PanelClient(
        panel.url, KEY, connect_timeout=2, read_timeout=2, retries=0, backoff=0
    ) as client:
        try:
            result: Any = await CALLS[quirk.action](client)
            error: PanelError | None = None
        except PanelError as exc:
            result, error = None, exc

    assert len(panel.requests) == 1  # retries=0, and writes are never retried anyway
    if isinstance(quirk.expect, type):
        assert error is not None, f"expected {quirk.expect.__name__}, got {result!r}"
        assert type(error) is quirk.expect, repr(error)
        assert error.action == ("status" if quirk.action == "statuses" else quirk.action)
        _assert_safe_message(error)
        if quirk.reason is not None:
            assert error.reason_code is quirk.reason
    else:
        assert error is None, repr(error)
        quirk.expect(result)

    if quirk.action in WRITES and error is not None:
        # The safety rule itself, whatever the table says.
        if not _definite(quirk):
            assert isinstance(error, PanelOutcomeUnknown)
        if OID.encode() in (quirk.body if isinstance(quirk.body, bytes) else quirk.body.encode()):
            assert not isinstance(error, PanelRejected | PanelNotSent)


def _definite(quirk: Quirk) -> bool:
    """Answers that may be "rejected"/"not sent" for a write: a JSON error text, or an
    HTTP code that means the request was refused before anything was done."""
    if quirk.status == 429:
        return True
    if quirk.status in {400, 401, 403, 404, 422} or quirk.status == 200:
        return quirk.cut_after is None
    return False


# --------------------------------------------------------------------------- not even HTTP

WIRE: list[tuple[str, str, bytes, bool]] = [
    # (id, action, bytes sent back, whether the request is read first)
    ("add-not-http", "add", b"SSH-2.0-OpenSSH_9.6\r\n", True),
    ("add-closed-without-answer", "add", b"", True),
    ("add-headers-only-then-close", "add", b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{", True),
    ("add-bad-status-line", "add", b"HTTP/1.1 abc\r\n\r\n", True),
    ("status-not-http", "status", b"\x00\x01\x02garbage", True),
    ("refill-closed-without-answer", "refill", b"", True),
    ("cancel-not-http", "cancel", b"220 mail.example ESMTP\r\n", True),
    ("services-close-before-reading", "services", b"", False),
]


@pytest.mark.parametrize(
    ("action", "reply", "read"), [w[1:] for w in WIRE], ids=[w[0] for w in WIRE]
)
async def test_answers_that_are_not_http(action: str, reply: bytes, read: bool) -> None:
    async with (
        RawServer(reply, read_request=read) as server,
        PanelClient(server.url, KEY, read_timeout=2, retries=0) as client,
    ):
        with pytest.raises(PanelError) as info:
            await CALLS[action](client)
    # Bytes left the machine, so nothing may say "not sent" or "rejected" here.
    assert type(info.value) is PanelOutcomeUnknown
    _assert_safe_message(info.value)
