"""Contract tests: the real PanelClient against the real FakePanel on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bot.panel import (
    AddResult,
    CancelResult,
    ItemError,
    OrderKind,
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
    RefillState,
    RefillStatus,
)
from tests.fakes.panel import (
    CANCEL_SUCCESS,
    REFILL_SUCCESS,
    FakePanel,
    Fault,
    RawServer,
    free_port_url,
)

KEY = "test-key-S3cr3t-0123456789"


@pytest.fixture
async def panel() -> AsyncIterator[FakePanel]:
    async with FakePanel(key=KEY) as fake:
        yield fake


def make_client(panel_or_url: FakePanel | str, **kwargs: Any) -> PanelClient:
    url = panel_or_url if isinstance(panel_or_url, str) else panel_or_url.url
    options: dict[str, Any] = {
        "connect_timeout": 0.3,
        "read_timeout": 0.3,
        "retries": 2,
        "backoff": 0.01,
    }
    options.update(kwargs)
    return PanelClient(url, KEY, **options)


@pytest.fixture
async def client(panel: FakePanel) -> AsyncIterator[PanelClient]:
    async with make_client(panel) as c:
        yield c


def assert_no_key(exc: BaseException) -> None:
    assert KEY not in str(exc)
    assert KEY not in repr(exc)
    assert KEY not in " ".join(str(a) for a in exc.args)


# =========================================================================== services


async def test_services_default_catalog_covers_every_kind(client: PanelClient) -> None:
    services = await client.services()
    assert len(services) == 17
    assert {s.kind for s in services} == set(OrderKind)
    first = services[0]
    assert first.id == "1"
    assert first.name == "IG Followers [Refill 30d]"
    assert first.category == "Instagram Followers"
    assert first.type == "Default"
    assert first.kind is OrderKind.DEFAULT
    assert first.rate == Decimal("0.9000")
    assert isinstance(first.rate, Decimal)
    assert (first.min, first.max) == (10, 10000)
    assert (first.dripfeed, first.refill, first.cancel) == (True, True, True)
    assert first.description == "Fast start"
    assert first.average_time == "35"
    likes = services[1]
    assert (likes.dripfeed, likes.refill, likes.cancel) == (False, False, False)
    assert likes.description == ""
    assert likes.average_time is None
    assert {s.category for s in services} == {"Instagram Followers", "Telegram Members"}


@pytest.mark.parametrize("flag_style", ["str01", "int01", "bool", "strbool"])
async def test_services_flag_styles(panel: FakePanel, client: PanelClient, flag_style: Any) -> None:
    panel.variant.flag_style = flag_style
    services = {s.id: s for s in await client.services()}
    assert (services["1"].dripfeed, services["1"].refill, services["1"].cancel) == (
        True,
        True,
        True,
    )
    assert (services["3"].dripfeed, services["3"].refill, services["3"].cancel) == (
        False,
        True,
        False,
    )
    assert not any([services["2"].dripfeed, services["2"].refill, services["2"].cancel])


async def test_services_missing_flags_are_false(panel: FakePanel, client: PanelClient) -> None:
    panel.variant.flag_style = "missing"
    services = await client.services()
    assert len(services) == 17
    assert not any(s.dripfeed or s.refill or s.cancel for s in services)


@pytest.mark.parametrize("type_case", ["lower", "upper", "snake", "kebab"])
async def test_services_type_casing(panel: FakePanel, client: PanelClient, type_case: Any) -> None:
    expected = [s.kind for s in await client.services()]
    panel.variant.type_case = type_case
    services = await client.services()
    assert [s.kind for s in services] == expected
    assert services[3].type != "Custom Comments"  # raw type kept as sent
    assert services[3].kind is OrderKind.CUSTOM_COMMENTS


async def test_services_numbers_as_json_numbers_and_string_ids(
    panel: FakePanel, client: PanelClient
) -> None:
    panel.variant.numbers_as_strings = False
    panel.variant.id_style = "int"
    services = await client.services()
    assert services[1].rate == Decimal("0.0360")
    assert str(services[1].rate) == "0.0360"
    assert services[1].id == "2"
    assert (services[1].min, services[1].max) == (50, 50000)
    panel.variant.id_style = "str"
    panel.variant.numbers_as_strings = True
    assert (await client.services())[1].id == "2"


@pytest.mark.parametrize("wrap", ["services", "data"])
async def test_services_wrapped(panel: FakePanel, client: PanelClient, wrap: Any) -> None:
    panel.variant.services_wrap = wrap
    assert len(await client.services()) == 17


async def test_services_empty_forms(panel: FakePanel, client: PanelClient) -> None:
    panel.variant.services_empty = True
    assert await client.services() == []
    panel.variant.services_empty = False
    panel.services = []
    assert await client.services() == []
    panel.variant.services_wrap = "services"
    assert await client.services() == []


async def test_services_html_content_type_and_trailing_commas(
    panel: FakePanel, client: PanelClient
) -> None:
    panel.variant.html_content_type = True
    panel.variant.trailing_comma = True
    services = await client.services()
    assert len(services) == 17
    assert services[0].rate == Decimal("0.9000")


async def test_services_malformed_entries_are_skipped(
    panel: FakePanel, client: PanelClient, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"service": 7, "name": "Good", "type": "Default", "category": "C", "rate": "1.5",
            "min": "10", "max": "100", "dripfeed": "1"}  # fmt: skip
    panel.services_override = [
        {"name": "no id", "rate": "1", "min": 1, "max": 2},
        {"service": 8, "name": "no rate", "min": 1, "max": 2},
        {"service": 9, "name": "bad rate", "rate": "free", "min": 1, "max": 2},
        {"service": 10, "name": "min>max", "rate": "1", "min": 50, "max": 5},
        {"service": 11, "name": "no min", "rate": "1", "max": 5},
        "garbage",
        good,
        {"service": 12, "name": "Weird type", "type": "Hologram", "rate": 2, "min": 1, "max": 9},
    ]
    with caplog.at_level(logging.WARNING, logger="bot.panel"):
        services = await client.services()
    assert [s.id for s in services] == ["7", "12"]
    assert services[0].rate == Decimal("1.5") and services[0].dripfeed is True
    assert services[1].kind is None and services[1].type == "Hologram"
    assert len([r for r in caplog.records if "Skipping malformed" in r.getMessage()]) == 6


# =========================================================================== add

ADD_CASES: list[tuple[str, dict[str, str | int]]] = [
    ("1", {"link": "https://instagram.com/u", "quantity": 100}),
    ("1", {"link": "https://instagram.com/u", "quantity": 100, "runs": 5, "interval": 30}),
    ("3", {"link": "https://instagram.com/u"}),
    ("4", {"link": "https://instagram.com/p/1", "comments": "nice\ngreat\ncool"}),
    ("5", {"link": "https://instagram.com/p/1", "comments": "a\nb"}),
    ("6", {"link": "https://instagram.com/p/1", "quantity": 100, "usernames": "a\nb"}),
    (
        "7",
        {
            "link": "https://instagram.com/p/1",
            "quantity": 100,
            "usernames": "a\nb",
            "hashtags": "#x\n#y",
        },
    ),
    ("8", {"link": "https://instagram.com/p/1", "usernames": "alice\nbob\ncarol"}),
    ("9", {"link": "https://instagram.com/p/1", "quantity": 200, "hashtag": "cats"}),
    (
        "10",
        {"link": "https://instagram.com/p/1", "quantity": 100, "username": "https://ig.com/x"},
    ),
    ("11", {"link": "https://instagram.com/p/1", "quantity": 100, "media": "https://ig.com/p/2"}),
    ("12", {"link": "https://instagram.com/p/1", "quantity": 10, "username": "owner"}),
    ("13", {"link": "https://instagram.com/p/1", "username": "owner", "comments": "hi\nyo"}),
    ("14", {"link": "https://t.me/c/1", "quantity": 50, "answer_number": 2}),
    ("15", {"link": "https://t.me/group", "quantity": 100, "groups": "g1\ng2"}),
    (
        "16",
        {
            "username": "channel",
            "min": 100,
            "max": 200,
            "posts": 10,
            "old_posts": 2,
            "delay": 30,
            "expiry": "31/12/2030",
        },
    ),
]


@pytest.mark.parametrize(("service_id", "fields"), ADD_CASES)
async def test_add_every_order_type_sends_exact_fields(
    panel: FakePanel, client: PanelClient, service_id: str, fields: dict[str, str | int]
) -> None:
    before = panel.balance
    result = await client.add(service_id, fields)
    assert isinstance(result, AddResult)
    assert panel.add_calls == [
        {"action": "add", "service": service_id, **{k: str(v) for k, v in fields.items()}}
    ]
    assert result.order_id in panel.orders
    assert isinstance(result.order_id, str)
    assert result.charge is None and result.currency is None
    order = panel.orders[result.order_id]
    assert panel.balance == before - order.charge
    assert KEY not in str(panel.requests)


async def test_add_charges_exact_decimals(panel: FakePanel, client: PanelClient) -> None:
    panel.variant.add_charge = True
    likes = await client.add("2", {"link": "https://x", "quantity": 1000})
    assert likes.charge == Decimal("0.036")
    assert likes.currency == "USD"
    drip = await client.add("1", {"link": "https://x", "quantity": 100, "runs": 5, "interval": 1})
    assert drip.charge == Decimal("0.45")  # 0.9 x 100 x 5 / 1000
    package = await client.add("3", {"link": "https://x"})
    assert package.charge == Decimal("2.5")
    assert panel.balance == Decimal("100.84292") - Decimal("0.036") - Decimal("0.45") - Decimal(
        "2.5"
    )


@pytest.mark.parametrize(
    ("add_style", "id_style", "numbers_as_strings"),
    [
        ("order", "int", True),
        ("order", "str", True),
        ("order", "ulid", True),
        ("status_success", "int", False),
        ("status_success", "ulid", False),
    ],
)
async def test_add_answer_variants(
    panel: FakePanel,
    client: PanelClient,
    add_style: Any,
    id_style: Any,
    numbers_as_strings: bool,
) -> None:
    panel.variant.add_style = add_style
    panel.variant.id_style = id_style
    panel.variant.numbers_as_strings = numbers_as_strings
    panel.variant.add_charge = True
    result = await client.add("2", {"link": "https://x", "quantity": 500})
    order_id = next(iter(panel.orders))
    assert result.order_id == order_id
    if id_style == "ulid":
        assert result.order_id.startswith("ord_01HG")
    assert result.charge == Decimal("0.018")
    assert result.currency == "USD"


async def test_add_rejections(panel: FakePanel, client: PanelClient) -> None:
    with pytest.raises(PanelRejected) as info:
        await client.add("999", {"link": "https://x", "quantity": 100})
    assert info.value.message == "error.incorrect_service_id"
    assert info.value.action == "add"
    assert type(info.value) is PanelRejected
    with pytest.raises(PanelRejected, match="Quantity less than minimal 50"):
        await client.add("2", {"link": "https://x", "quantity": 1})
    panel.variant.reject_duplicate_links = True
    await client.add("2", {"link": "https://dup", "quantity": 100})
    with pytest.raises(PanelRejected) as dup:
        await client.add("2", {"link": "https://dup", "quantity": 100})
    assert dup.value.message == "neworder.error.link_duplicate"
    assert len(panel.orders) == 1


async def test_add_insufficient_funds(panel: FakePanel, client: PanelClient) -> None:
    panel.balance = Decimal("0.01")
    with pytest.raises(PanelInsufficientFunds) as info:
        await client.add("2", {"link": "https://x", "quantity": 1000})
    assert info.value.message == "neworder.error.not_enough_funds"
    assert isinstance(info.value, PanelRejected)
    assert panel.orders == {}
    assert panel.balance == Decimal("0.01")


@pytest.mark.parametrize(
    ("style", "http_status"), [("error", 200), ("status_message", 200), ("http422", 422)]
)
async def test_error_styles(
    panel: FakePanel, client: PanelClient, style: Any, http_status: int
) -> None:
    panel.variant.error_style = style
    with pytest.raises(PanelRejected) as info:
        await client.add("999", {"link": "https://x", "quantity": 100})
    assert info.value.message == "error.incorrect_service_id"
    assert info.value.http_status == http_status
    with pytest.raises(PanelRejected) as status_info:
        await client.status("424242")
    assert status_info.value.message == "Incorrect order ID"
    assert len(panel.requests) == 2  # rejections are never retried


async def test_add_reserved_fields_refused(client: PanelClient) -> None:
    with pytest.raises(ValueError, match="reserved"):
        await client.add("2", {"key": "x"})


# =========================================================================== status


async def test_status_single_canonical(panel: FakePanel, client: PanelClient) -> None:
    added = await client.add("2", {"link": "https://x", "quantity": 1000})
    status = await client.status(added.order_id)
    assert panel.requests[-1] == {"action": "status", "order": added.order_id}
    assert status.status is OrderState.PENDING
    assert status.raw_status == "Pending"
    assert status.charge == Decimal("0.03600")
    assert status.start_count == 0
    assert status.remains == 1000
    assert status.currency == "USD"
    assert status.order_id == added.order_id
    panel.advance()
    assert (await client.status(added.order_id)).status is OrderState.IN_PROGRESS
    panel.advance()
    done = await client.status(added.order_id)
    assert done.status is OrderState.COMPLETED
    assert done.remains == 0


async def test_status_numbers_and_order_field(panel: FakePanel, client: PanelClient) -> None:
    panel.variant.numbers_as_strings = False
    panel.variant.status_with_order = True
    panel.variant.id_style = "ulid"
    added = await client.add("2", {"link": "https://x", "quantity": 1000})
    panel.set_status(added.order_id, "Partial", remains=-5, start_count=10)
    status = await client.status(added.order_id)
    assert status.order_id == added.order_id
    assert status.status is OrderState.PARTIAL
    assert status.remains == -5
    assert status.start_count == 10
    assert status.charge == Decimal("0.036")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pending", OrderState.PENDING),
        ("In progress", OrderState.IN_PROGRESS),
        ("In Progress", OrderState.IN_PROGRESS),
        ("In progess", OrderState.IN_PROGRESS),
        ("Processing", OrderState.PROCESSING),
        ("COMPLETED", OrderState.COMPLETED),
        ("Partial", OrderState.PARTIAL),
        ("Canceled", OrderState.CANCELED),
        ("Cancelled", OrderState.CANCELED),
        ("Refunded", OrderState.REFUNDED),
        ("Active", OrderState.ACTIVE),
        ("Fail", OrderState.FAILED),
        ("Failed", OrderState.FAILED),
        ("Error", OrderState.FAILED),
        ("Teleported", None),
    ],
)
async def test_status_spellings(
    panel: FakePanel, client: PanelClient, raw: str, expected: OrderState | None
) -> None:
    order = panel.add_order("2", link="https://x", quantity="100")
    panel.set_status(order.id, raw)
    status = await client.status(order.id)
    assert status.status is expected
    assert status.raw_status == raw


async def test_status_case_and_name_switches(panel: FakePanel, client: PanelClient) -> None:
    order = panel.add_order("2", link="https://x", quantity="100")
    panel.variant.status_case = "upper"
    panel.set_status(order.id, "In progress")
    status = await client.status(order.id)
    assert status.raw_status == "IN PROGRESS"
    assert status.status is OrderState.IN_PROGRESS
    panel.variant.status_case = "as_is"
    panel.variant.status_names = {"Canceled": "Cancelled"}
    panel.set_status(order.id, "Canceled")
    assert (await client.status(order.id)).status is OrderState.CANCELED


async def test_status_dripfeed_parent(panel: FakePanel, client: PanelClient) -> None:
    added = await client.add("1", {"link": "https://x", "quantity": 100, "runs": 3, "interval": 5})
    panel.orders[added.order_id].orders = ["9001", "9002"]
    status = await client.status(added.order_id)
    assert status.runs == 3
    assert status.orders == ["9001", "9002"]
    assert status.charge == Decimal("0.27000")


async def test_status_subscription(panel: FakePanel, client: PanelClient) -> None:
    fields: dict[str, str | int] = {
        "username": "chan",
        "min": 100,
        "max": 200,
        "posts": 5,
        "delay": 0,
        "expiry": "01/02/2031",
    }
    added = await client.add("16", fields)
    panel.orders[added.order_id].orders = ["501"]
    status = await client.status(added.order_id)
    assert status.status is OrderState.ACTIVE
    assert status.expiry == "01/02/2031"
    assert status.posts == 5
    assert status.orders == ["501"]
    assert status.charge is None


# =========================================================================== multi-status


@pytest.mark.parametrize("item_error_style", ["string", "object"])
async def test_statuses_with_per_item_errors(
    panel: FakePanel, client: PanelClient, item_error_style: Any
) -> None:
    panel.variant.item_error_style = item_error_style
    a = panel.add_order("2", link="https://x", quantity="100")
    b = panel.add_order("2", link="https://y", quantity="100")
    panel.set_status(b.id, "Completed", remains=0)
    result = await client.statuses([a.id, "2", b.id])
    assert panel.requests[-1] == {"action": "status", "orders": f"{a.id},2,{b.id}"}
    assert set(result) == {a.id, "2", b.id}
    assert result["2"] == ItemError(message="Incorrect order ID")
    first = result[a.id]
    second = result[b.id]
    assert not isinstance(first, ItemError) and first.status is OrderState.PENDING
    assert not isinstance(second, ItemError) and second.status is OrderState.COMPLETED


async def test_statuses_batches_of_100(panel: FakePanel, client: PanelClient) -> None:
    ids = [panel.add_order("2", link=f"https://x/{i}", quantity="100").id for i in range(250)]
    result = await client.statuses(ids)
    assert len(panel.requests) == 3
    assert sorted(len(r["orders"].split(",")) for r in panel.requests) == [50, 100, 100]
    assert set(result) == set(ids)
    assert all(not isinstance(v, ItemError) for v in result.values())


async def test_statuses_10k_orders_fast(panel: FakePanel, client: PanelClient) -> None:
    ids = [panel.add_order("2", link="https://x", quantity="100").id for _ in range(10_000)]
    panel.variant.trailing_comma = True
    started = time.monotonic()
    result = await client.statuses(ids)
    assert len(result) == 10_000
    assert len(panel.requests) == 100
    assert time.monotonic() - started < 5


async def test_statuses_slow_panel_batches_run_concurrently(panel: FakePanel) -> None:
    ids = [panel.add_order("2", link="https://x", quantity="100").id for _ in range(800)]
    panel.delay = 0.05
    async with make_client(panel, concurrency=4) as client:
        result = await client.statuses(ids)
    assert len(result) == 800
    assert len(panel.requests) == 8
    assert 1 < panel.max_in_flight["status"] <= 4  # batches side by side, never over 4


async def test_statuses_batch_failure_raises(panel: FakePanel) -> None:
    ids = [panel.add_order("2", link="https://x", quantity="100").id for _ in range(300)]
    panel.fail(Fault.HTML_500, times=None)
    async with make_client(panel, retries=0) as client:
        with pytest.raises(PanelOutcomeUnknown):
            await client.statuses(ids)


async def test_statuses_empty_and_single(panel: FakePanel, client: PanelClient) -> None:
    assert await client.statuses([]) == {}
    assert panel.requests == []
    result = await client.statuses(["777"])
    assert result == {"777": ItemError(message="Incorrect order ID")}


# =========================================================================== refill


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("id_str", RefillResult(refill_id="1")),
        ("id_int", RefillResult(refill_id="1")),
        ("success", RefillResult(refill_id=None, message=REFILL_SUCCESS)),
        ("success_with_id", RefillResult(refill_id="1", message=REFILL_SUCCESS)),
    ],
)
async def test_refill_answer_forms(
    panel: FakePanel, client: PanelClient, style: Any, expected: RefillResult
) -> None:
    panel.variant.refill_style = style
    order = panel.add_order("1", link="https://x", quantity="100")
    assert await client.refill(order.id) == expected
    assert panel.requests[-1] == {"action": "refill", "order": order.id}
    assert list(panel.refills) == ["1"]


async def test_refill_errors_are_not_retried(panel: FakePanel, client: PanelClient) -> None:
    order = panel.add_order("1", link="https://x", quantity="100")
    no_refill = panel.add_order("2", link="https://x", quantity="100")
    await client.refill(order.id)
    with pytest.raises(PanelRejected) as again:
        await client.refill(order.id)
    assert again.value.message == "Refill already in progress"
    with pytest.raises(PanelRejected, match="Order not eligible for refill"):
        await client.refill(no_refill.id)
    panel.fail(Fault.HTML_502)
    with pytest.raises(PanelOutcomeUnknown):
        await client.refill(order.id)
    assert len(panel.requests) == 4


async def test_refills_multi(panel: FakePanel, client: PanelClient) -> None:
    ok = panel.add_order("1", link="https://x", quantity="100")
    bad = panel.add_order("2", link="https://x", quantity="100")
    result = await client.refills([ok.id, bad.id, "404"])
    assert panel.requests[-1] == {"action": "refill", "orders": f"{ok.id},{bad.id},404"}
    assert result == {
        ok.id: RefillResult(refill_id="1"),
        bad.id: ItemError(message="Order not eligible for refill"),
        "404": ItemError(message="Order ID not Found"),
    }


# =========================================================================== refill_status


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pending", RefillState.PENDING),
        ("Awaiting", RefillState.PENDING),
        ("In progress", RefillState.IN_PROGRESS),
        ("In progess", RefillState.IN_PROGRESS),
        ("Completed", RefillState.COMPLETED),
        ("Processed", RefillState.COMPLETED),
        ("Rejected", RefillState.REJECTED),
        ("Canceled", RefillState.CANCELED),
        ("Error", RefillState.FAILED),
        ("Failed", RefillState.FAILED),
        ("Fail", RefillState.FAILED),
        ("Mystery", None),
    ],
)
async def test_refill_status_every_state(
    panel: FakePanel, client: PanelClient, raw: str, expected: RefillState | None
) -> None:
    order = panel.add_order("1", link="https://x", quantity="100")
    refill = await client.refill(order.id)
    assert refill.refill_id is not None
    panel.set_refill_status(refill.refill_id, raw)
    panel.variant.trailing_comma = True  # the published example: {"status": "Completed",}
    status = await client.refill_status(refill.refill_id)
    assert status == RefillStatus(status=expected, raw_status=raw)
    assert panel.requests[-1] == {"action": "refill_status", "refill": refill.refill_id}


async def test_refill_status_not_found(client: PanelClient) -> None:
    with pytest.raises(PanelRejected, match="Refill not found"):
        await client.refill_status("99")


async def test_refill_statuses_multi(panel: FakePanel, client: PanelClient) -> None:
    ids = []
    for _ in range(3):
        order = panel.add_order("1", link="https://x", quantity="100")
        ids.append((await client.refill(order.id)).refill_id or "")
    panel.set_refill_status(ids[1], "Completed")
    panel.requests.clear()
    result = await client.refill_statuses([*ids, "404"])
    assert panel.requests == [{"action": "refill_status", "refills": ",".join([*ids, "404"])}]
    assert result[ids[0]] == RefillStatus(status=RefillState.PENDING, raw_status="Pending")
    assert result[ids[1]] == RefillStatus(status=RefillState.COMPLETED, raw_status="Completed")
    assert result["404"] == ItemError(message="Refill not found")


# =========================================================================== cancel


async def test_cancel_multi(panel: FakePanel, client: PanelClient) -> None:
    ok = panel.add_order("1", link="https://x", quantity="100")
    no_cancel = panel.add_order("2", link="https://x", quantity="100")
    result = await client.cancel([ok.id, no_cancel.id])
    assert panel.requests[-1] == {"action": "cancel", "orders": f"{ok.id},{no_cancel.id}"}
    assert result == {
        ok.id: CancelResult(accepted=True),
        no_cancel.id: ItemError(message="Cancel is not available for this order"),
    }
    assert panel.cancels == [ok.id]
    # accepted is not done: the order's status says when it is canceled
    assert (await client.status(ok.id)).status is OrderState.PENDING
    panel.advance()
    assert (await client.status(ok.id)).status is OrderState.CANCELED


async def test_cancel_single_forms(panel: FakePanel, client: PanelClient) -> None:
    panel.variant.cancel_single_form = True
    order = panel.add_order("1", link="https://x", quantity="100")
    result = await client.cancel([order.id])
    assert panel.requests[-1] == {"action": "cancel", "orders": order.id, "order": order.id}
    assert result == {order.id: CancelResult(accepted=True, message=CANCEL_SUCCESS)}
    again = await client.cancel([order.id])
    assert again == {order.id: ItemError(message="Cancel request already in progress please wait")}
    assert len(panel.requests) == 2  # never retried


async def test_cancel_batches_and_wrong_key_still_raises(panel: FakePanel) -> None:
    ids = [panel.add_order("1", link="https://x", quantity="100").id for _ in range(150)]
    async with make_client(panel) as c:
        result = await c.cancel(ids)
    assert len(panel.requests) == 2
    assert all(v == CancelResult(accepted=True) for v in result.values())
    async with PanelClient(panel.url, "wrong-key", retries=0) as wrong:
        with pytest.raises(PanelAuthError):
            await wrong.cancel([ids[0]])


# =========================================================================== balance


@pytest.mark.parametrize("currency", ["USD", "RUB", "UZS", "THB"])
@pytest.mark.parametrize("with_status", [False, True])
@pytest.mark.parametrize("numbers_as_strings", [False, True])
async def test_balance_variants(currency: str, with_status: bool, numbers_as_strings: bool) -> None:
    async with FakePanel(key=KEY, balance=Decimal("100.84292"), currency=currency) as panel:
        panel.variant.balance_status = with_status
        panel.variant.numbers_as_strings = numbers_as_strings
        async with make_client(panel) as client:
            balance = await client.balance()
    assert balance.amount == Decimal("100.84292")
    assert str(balance.amount) == "100.84292"
    assert balance.currency == currency


# =========================================================================== errors


async def test_wrong_key_is_auth_error(panel: FakePanel) -> None:
    async with PanelClient(panel.url, "not-the-key", retries=2, backoff=0.01) as client:
        for call in (client.services(), client.balance(), client.status("1")):
            with pytest.raises(PanelAuthError) as info:
                await call
            assert info.value.message == "Invalid API key"
        with pytest.raises(PanelAuthError):
            await client.add("2", {"link": "https://x", "quantity": 100})
    assert len(panel.requests) == 4  # auth errors are not retried
    assert panel.orders == {}


async def test_rate_limit_read_only_retried(panel: FakePanel, client: PanelClient) -> None:
    panel.retry_after = "0"
    panel.fail(Fault.RATE_LIMIT, times=2)
    assert len(await client.services()) == 17
    assert len(panel.requests) == 3


async def test_rate_limit_retry_after_exposed_and_honoured(panel: FakePanel) -> None:
    panel.retry_after = "7"
    panel.fail(Fault.RATE_LIMIT, times=None)
    async with make_client(panel, retries=0) as client:
        with pytest.raises(PanelRateLimited) as info:
            await client.balance()
    assert info.value.retry_after == 7.0
    assert info.value.http_status == 429
    assert isinstance(info.value, PanelNotSent)
    panel.retry_after = "0.2"
    panel.fail(Fault.RATE_LIMIT, times=1)
    async with make_client(panel, retries=1) as client:
        started = time.monotonic()
        await client.balance()
        assert time.monotonic() - started >= 0.2
    panel.retry_after = "30"
    panel.fail(Fault.RATE_LIMIT, times=1)
    async with make_client(panel, retries=1, max_retry_wait=0.05) as client:
        started = time.monotonic()
        await client.balance()
        assert time.monotonic() - started < 1  # capped


async def test_rate_limit_add_not_retried(panel: FakePanel, client: PanelClient) -> None:
    panel.retry_after = "0"
    panel.fail(Fault.RATE_LIMIT, times=1)
    with pytest.raises(PanelRateLimited):
        await client.add("2", {"link": "https://x", "quantity": 100})
    assert len(panel.add_calls) == 1
    assert panel.orders == {}


@pytest.mark.parametrize(("fault", "code"), [(Fault.HTML_500, 500), (Fault.HTML_502, 502)])
async def test_html_5xx_is_outcome_unknown(
    panel: FakePanel, client: PanelClient, fault: Fault, code: int
) -> None:
    panel.fail(fault, times=None)
    with pytest.raises(PanelOutcomeUnknown) as info:
        await client.add("2", {"link": "https://x", "quantity": 100})
    assert info.value.http_status == code
    assert str(code) in str(info.value)
    assert len(info.value.message) < 260  # a short excerpt, not the page
    assert len(panel.add_calls) == 1
    with pytest.raises(PanelOutcomeUnknown):
        await client.balance()
    assert len(panel.requests) == 1 + 3  # read-only: 1 + retries


async def test_html_5xx_read_only_recovers(panel: FakePanel, client: PanelClient) -> None:
    panel.fail(Fault.HTML_502, times=2)
    balance = await client.balance()
    assert balance.amount == Decimal("100.84292")
    assert len(panel.requests) == 3


async def test_html_200_is_outcome_unknown(panel: FakePanel, client: PanelClient) -> None:
    panel.fail(Fault.HTML_200, times=1, actions={"add"})
    with pytest.raises(PanelOutcomeUnknown, match="not JSON"):
        await client.add("2", {"link": "https://x", "quantity": 100})
    assert len(panel.orders) == 1  # it was placed; only the answer was garbage
    assert len(panel.add_calls) == 1


async def test_dropped_connection_during_add(panel: FakePanel, client: PanelClient) -> None:
    panel.fail(Fault.DROP, times=1)
    with pytest.raises(PanelOutcomeUnknown) as info:
        await client.add("2", {"link": "https://x", "quantity": 100})
    assert info.value.action == "add"
    assert len(panel.add_calls) == 1
    assert len(panel.orders) == 1
    assert_no_key(info.value)


async def test_dropped_connection_read_only_retried(panel: FakePanel, client: PanelClient) -> None:
    order = panel.add_order("2", link="https://x", quantity="100")
    panel.fail(Fault.DROP, times=1)
    status = await client.status(order.id)
    assert status.status is OrderState.PENDING
    assert len(panel.requests) == 2


async def test_read_timeout_during_add(panel: FakePanel) -> None:
    panel.delay = 0.5
    async with make_client(panel, read_timeout=0.15) as client:
        with pytest.raises(PanelOutcomeUnknown) as info:
            await client.add("2", {"link": "https://x", "quantity": 100})
        assert len(panel.add_calls) == 1
        assert len(panel.orders) == 1  # the panel did place it
        assert_no_key(info.value)


async def test_read_timeout_read_only_retried_then_succeeds(panel: FakePanel) -> None:
    panel.delay = 0.3
    async with make_client(panel, read_timeout=0.1, retries=1) as client:
        with pytest.raises(PanelOutcomeUnknown, match="timed out"):
            await client.balance()
    assert len(panel.requests) == 2
    panel.delay = 0.05  # a slow but acceptable panel
    async with make_client(panel, read_timeout=0.3) as client:
        assert (await client.balance()).currency == "USD"


async def test_connection_refused_is_not_sent() -> None:
    async with make_client(free_port_url(), retries=1) as client:
        with pytest.raises(PanelNotSent) as info:
            await client.add("2", {"link": "https://x", "quantity": 100})
        assert not isinstance(info.value, PanelRateLimited)
        assert_no_key(info.value)
        with pytest.raises(PanelNotSent):
            await client.services()


async def test_refuse_then_recover(panel: FakePanel, client: PanelClient) -> None:
    await panel.refuse()
    with pytest.raises(PanelNotSent):
        await client.balance()
    await panel.start()
    assert (await client.balance()).amount == Decimal("100.84292")


async def test_trailing_commas_everywhere(panel: FakePanel, client: PanelClient) -> None:
    panel.variant.trailing_comma = True
    panel.variant.html_content_type = True
    added = await client.add("1", {"link": "https://x", "quantity": 100})
    assert (await client.status(added.order_id)).status is OrderState.PENDING
    multi = await client.statuses([added.order_id, "1"])
    assert isinstance(multi["1"], ItemError)
    assert (await client.refills([added.order_id]))[added.order_id] == RefillResult(refill_id="1")
    assert (await client.balance()).amount == Decimal("100.84292") - Decimal("0.09")


async def test_key_never_leaks(panel: FakePanel) -> None:
    panel.variant.echo_key = True
    errors: list[PanelError] = []
    async with make_client(panel, retries=0) as client:
        assert KEY not in repr(client)
        assert KEY not in str(client)
        for fault in (Fault.HTML_500, Fault.HTML_502, Fault.DROP, Fault.HTML_200, Fault.NONE):
            panel.fail(fault, times=1)
            try:
                await client.add("999", {"link": "https://x", "quantity": 100})
            except PanelError as exc:
                errors.append(exc)
        panel.delay = 0.5
        try:
            await client.balance()
        except PanelError as exc:
            errors.append(exc)
        panel.delay = 0
    async with make_client(free_port_url(), retries=0) as refused:
        try:
            await refused.balance()
        except PanelError as exc:
            errors.append(exc)
    assert len(errors) == 7
    rejected = [e for e in errors if isinstance(e, PanelRejected)]
    assert rejected and "(key [redacted])" in rejected[0].message
    for error in errors:
        assert_no_key(error)


# =========================================================================== deadline, size


async def test_a_dripping_answer_is_cut_by_the_total_deadline(panel: FakePanel) -> None:
    # 40-odd bytes, one every 50 ms: every byte is within the read timeout, but the whole
    # answer would take 2 s. The deadline defaults to connect + read timeout.
    panel.drip = 0.05
    async with make_client(panel, connect_timeout=0.2, read_timeout=0.3, retries=0) as client:
        assert client.total_timeout == pytest.approx(0.5)
        started = time.monotonic()
        with pytest.raises(PanelOutcomeUnknown, match=r"no complete answer within 0\.5s"):
            await client.balance()
        assert time.monotonic() - started < 1.2


async def test_a_dripping_add_is_outcome_unknown_and_never_resent(panel: FakePanel) -> None:
    panel.drip = 0.05
    async with make_client(panel, read_timeout=1, total_timeout=0.3, retries=3) as client:
        with pytest.raises(PanelOutcomeUnknown) as info:
            await client.add("2", {"link": "https://x", "quantity": 100})
    assert info.value.reason_code is ReasonCode.PROVIDER_ERROR
    assert len(panel.add_calls) == 1 and len(panel.orders) == 1  # the panel has it


async def test_a_dripping_read_is_retried_within_bounds(panel: FakePanel) -> None:
    panel.drip = 0.05
    async with make_client(panel, read_timeout=1, total_timeout=0.2, retries=1) as client:
        started = time.monotonic()
        with pytest.raises(PanelOutcomeUnknown):
            await client.balance()
        assert time.monotonic() - started < 1.5
    assert len(panel.requests) == 2
    panel.drip = 0.001  # slow but whole within the deadline
    async with make_client(panel, read_timeout=1, total_timeout=2) as client:
        assert (await client.balance()).currency == "USD"


async def test_an_oversized_answer_is_abandoned(panel: FakePanel) -> None:
    panel.pad_bytes = 5_000
    async with make_client(
        panel, retries=1, max_body_bytes=2_000, max_services_body_bytes=50_000
    ) as client:
        with pytest.raises(PanelOutcomeUnknown, match="larger than 2000 bytes"):
            await client.balance()
        assert len(panel.requests) == 2  # a read: retried, then given up
        with pytest.raises(PanelOutcomeUnknown, match="larger than 2000 bytes"):
            await client.add("2", {"link": "https://x", "quantity": 100})
        assert len(panel.add_calls) == 1 and len(panel.orders) == 1
        assert len(await client.services()) == 17  # the catalog has its own, larger limit
        panel.pad_bytes = 60_000
        with pytest.raises(PanelOutcomeUnknown, match="larger than 50000 bytes"):
            await client.services()


async def test_an_endless_body_without_length_is_not_read_to_the_end() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    async with (
        RawServer(head + b"[", filler=b" " * 65_536, repeat=1_000) as server,
        make_client(server.url, retries=0, max_services_body_bytes=256_000) as client,
    ):
        with pytest.raises(PanelOutcomeUnknown, match="larger than 256000 bytes"):
            await client.services()
    assert server.sent < 10_000_000  # 64 MB were on offer


# =========================================================================== safe errors


async def test_a_4xx_page_echoing_the_key_leaks_no_fragment(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = "k8Zq4LmP"
    page = "<html><body><pre>" + "a" * 190 + " " + key + " &action=add" * 40 + "</pre></html>"
    async with FakePanel(key=key) as fake:
        fake.raw_answer(400, page, content_type="text/html", process=False)
        with caplog.at_level(logging.DEBUG, logger="bot.panel"):
            async with PanelClient(fake.url, key, retries=0) as client:
                with pytest.raises(PanelRejected) as info:
                    await client.add("2", {"link": "https://x", "quantity": 100})
    seen = " ".join([str(info.value), repr(info.value), info.value.message, caplog.text])
    for size in range(4, len(key) + 1):
        for start in range(len(key) - size + 1):
            assert key[start : start + size] not in seen
    assert "<" not in info.value.message
    assert info.value.reason_code is ReasonCode.PROVIDER_ERROR


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("neworder.error.link", ReasonCode.INVALID_LINK),
        ("neworder.error.link_duplicate", ReasonCode.DUPLICATE_ACTIVE_ORDER),
        ("Quantity less than minimal 50", ReasonCode.QUANTITY_OUT_OF_RANGE),
        ("error.incorrect_service_id", ReasonCode.SERVICE_UNAVAILABLE),
        ("neworder.error.not_enough_funds", ReasonCode.NOT_ENOUGH_FUNDS_PANEL),
        ("Invalid API key", ReasonCode.PROVIDER_ERROR),
        ("neworder.error.username", ReasonCode.INVALID_INPUT),
        ("Your order is sad", ReasonCode.OTHER),
    ],
)
async def test_every_rejection_has_a_customer_safe_reason_code(
    panel: FakePanel, client: PanelClient, error: str, reason: ReasonCode
) -> None:
    panel.raw_answer(200, json.dumps({"error": error}), process=False)
    with pytest.raises(PanelRejected) as info:
        await client.add("2", {"link": "https://x", "quantity": 100})
    assert info.value.reason_code is reason
    assert info.value.message == error  # the operator still reads the panel's words


async def test_rate_limited_add_is_recognisable_as_provider_busy(panel: FakePanel) -> None:
    # What the order flow needs to say "the provider is busy, try again in a minute"
    # instead of "not accepted: no reason given".
    panel.retry_after = "20"
    panel.fail(Fault.RATE_LIMIT, times=2)
    async with make_client(panel, retries=0) as client:
        for _ in range(2):
            with pytest.raises(PanelRateLimited) as info:
                await client.add("2", {"link": "https://x", "quantity": 100})
            assert isinstance(info.value, PanelNotSent)
            assert info.value.reason_code is ReasonCode.PROVIDER_BUSY
            assert info.value.retry_after == 20.0
        panel.raw_answer(200, '{"error": "Too many requests"}', process=False)
        with pytest.raises(PanelRateLimited) as text_form:
            await client.add("2", {"link": "https://x", "quantity": 100})
    assert text_form.value.reason_code is ReasonCode.PROVIDER_BUSY
    assert panel.orders == {}


async def test_add_naming_an_order_despite_an_error_is_placed_with_a_warning(
    panel: FakePanel, client: PanelClient
) -> None:
    # The panel placed it (process=True) and answered 400 with the id and an error.
    panel.raw_answer(400, '{"order": 23501, "error": "Service is slow today"}')
    result = await client.add("2", {"link": "https://x", "quantity": 100})
    assert result == AddResult(order_id="23501", warning="HTTP 400; Service is slow today")
    assert list(panel.orders) == ["23501"]


async def test_write_batches_failing_part_way_keep_the_earlier_answers(
    panel: FakePanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """150 ids go as two batches; the panel acts on both and the second answer is lost:
    the error carries the first batch's answers instead of losing them with it."""
    ids = [panel.add_order("1", link="https://x", quantity="100").id for _ in range(150)]
    seen: list[str] = []

    def second_cancel_dropped(action: str) -> Fault:
        seen.append(action)
        return Fault.DROP if seen.count("cancel") == 2 else Fault.NONE

    monkeypatch.setattr(panel, "_take_fault", second_cancel_dropped)
    async with make_client(panel) as c:
        with pytest.raises(PanelOutcomeUnknown) as caught:
            await c.cancel(ids)
    assert seen == ["cancel", "cancel"]  # a lost write answer is never retried
    assert caught.value.completed == {i: CancelResult(accepted=True) for i in ids[:100]}
