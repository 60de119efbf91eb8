"""Placing orders with the wallet against the fake panel: every outcome, money exact; what
races a placement in flight; reading the orders back."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from bot.config import Settings
from bot.db import Database
from bot.panel import PanelClient, ReasonCode
from bot.services import wallet
from bot.services.orders import placing, queries, status
from bot.services.orders.placing import Draft
from tests.fakes.panel import FakePanel, Fault, free_port_url
from tests.helpers import (
    ADMIN_CHAT,
    LIKES,
    LIKES_RATE,
    MEMBERS,
    MICRO,
    NOTICES,
    TEST_KEY,
    USER,
    add_service,
    add_stock_services,
    add_user,
    assert_ledger_consistent,
    draft,
    order_row,
)

OTHER = 1002
ADMIN = 777
# the short read timeout makes "sent, no answer" quick to provoke
pytestmark = pytest.mark.panel_client(read_timeout=0.3)


@pytest.fixture
async def shop(db: Database) -> Database:
    await add_user(db, USER, balance=10 * MICRO)
    await add_user(db, OTHER, balance=10 * MICRO)
    await add_stock_services(db)
    return db


def likes(
    quantity: int = 1000, link: str = "https://instagram.com/p/abc", user: int = USER
) -> Draft:
    return draft(quantity, service=LIKES, user=user, link=link)


async def ledger(db: Database, user_id: int = USER) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT amount, kind, ref, order_id FROM ledger WHERE user_id = ? AND kind != 'topup'"
        " ORDER BY id",
        (user_id,),
    )
    return [dict(r) for r in rows]


async def alerts(db: Database) -> list[tuple[str, int, str]]:
    rows = await db.fetchall("SELECT key, chat_id, dedup FROM outbox ORDER BY id")
    return [(r["key"], r["chat_id"], r["dedup"]) for r in rows]


async def test_quote_prices_with_markup(shop: Database, settings: Settings) -> None:
    settings.markup_percent = Decimal(50)
    quote = await placing.quote(shop, settings, likes(1000))
    assert quote.charge == 54_000  # 0.036 x 1.5
    assert quote.balance == 10 * MICRO
    assert quote.balance_after == 10 * MICRO - 54_000
    assert quote.currency == "USD"
    await shop.execute("INSERT INTO kv (key, value) VALUES ('currency', 'RUB')")
    expensive = likes(50000)
    quote = await placing.quote(shop, settings, expensive)
    assert quote.charge == 2_700_000
    assert quote.currency == "RUB"


async def test_placed(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.variant.add_charge = True
    token = placing.new_confirm_token()
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(1000), token)
    assert result.outcome == "placed"
    assert result.charge == LIKES_RATE
    assert result.panel_order_id == "23501"
    assert fake_panel.add_calls == [
        {
            "action": "add",
            "service": LIKES,
            "link": "https://instagram.com/p/abc",
            "quantity": "1000",
        }
    ]
    assert await ledger(shop) == [
        {"amount": -LIKES_RATE, "kind": "charge", "ref": f"order:{result.order_id}:charge",
         "order_id": result.order_id}
    ]  # fmt: skip
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE
    assert result.order_id is not None
    row = await order_row(shop, result.order_id)
    assert row["status"] == "pending"
    assert row["panel_order_id"] == "23501"
    assert row["cost"] == 36_000
    assert row["confirm_token"] == token
    assert json.loads(row["fields"]) == {"link": "https://instagram.com/p/abc", "quantity": 1000}
    assert await alerts(shop) == []


async def test_rejected_fails_and_refunds_once(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.variant.reject_duplicate_links = True
    first = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok-1")
    assert first.outcome == "placed"
    second = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok-2")
    assert second.outcome == "failed"
    # the customer gets a reason from the fixed set; the panel's words stay for operators
    assert second.reason is ReasonCode.DUPLICATE_ACTIVE_ORDER
    error = await shop.fetchval("SELECT error FROM orders WHERE id = ?", (second.order_id,))
    assert error == "neworder.error.link_duplicate"
    assert not second.panel_out_of_funds
    assert second.order_id is not None
    row = await order_row(shop, second.order_id)
    assert row["status"] == "failed"
    assert row["error"] == "neworder.error.link_duplicate"
    assert row["refunded"] == LIKES_RATE
    # handled a second time (a replay, an operator pressing "fail"): nothing moves again
    assert await status.fail_order(shop, NOTICES, second.order_id, "again") is False
    rows = [r for r in await ledger(shop) if r["order_id"] == second.order_id]
    assert [(r["kind"], r["amount"]) for r in rows] == [
        ("charge", -LIKES_RATE),
        ("refund", LIKES_RATE),
    ]
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE  # only the first order
    assert await alerts(shop) == [
        ("alert-order-failed", ADMIN_CHAT, f"alert:order:{second.order_id}:failed")
    ]


async def test_panel_out_of_funds(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.balance = Decimal(0)
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "failed"
    assert result.panel_out_of_funds
    assert result.order_id is not None
    assert (await order_row(shop, result.order_id))["status"] == "failed"
    assert await wallet.balance(shop, USER) == 10 * MICRO
    assert [r["kind"] for r in await ledger(shop)] == ["charge", "refund"]
    keys = [key for key, _, _ in await alerts(shop)]
    assert "alert-panel-funds" in keys
    assert all(chat == ADMIN_CHAT for _, chat, _ in await alerts(shop))


async def test_read_timeout_after_sending_is_unknown(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.delay = 1.0  # > read timeout 0.3: the panel creates the order, the answer is lost
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "unknown"
    assert len(fake_panel.add_calls) == 1
    assert len(fake_panel.orders) == 1
    assert result.order_id is not None
    row = await order_row(shop, result.order_id)
    assert row["status"] == "unknown"
    assert row["panel_order_id"] is None
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE  # held
    assert [r["kind"] for r in await ledger(shop)] == ["charge"]
    assert await alerts(shop) == [
        ("alert-order-unknown", ADMIN_CHAT, f"alert:order:{result.order_id}:unknown")
    ]
    await asyncio.sleep(0.8)  # let the slow answer finish: still exactly one add
    assert len(fake_panel.add_calls) == 1


async def test_dropped_connection_is_unknown(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.fail(Fault.DROP, times=1, actions={"add"})
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "unknown"
    assert len(fake_panel.add_calls) == 1
    assert await wallet.balance(shop, USER) == 10 * MICRO - LIKES_RATE


async def test_html_502_after_sending_is_unknown(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.fail(Fault.HTML_502, times=1, actions={"add"})
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "unknown"
    assert len(fake_panel.add_calls) == 1


async def test_connection_refused_twice_fails_and_refunds(
    shop: Database, settings: Settings
) -> None:
    client = PanelClient(free_port_url(), TEST_KEY, connect_timeout=1, read_timeout=1)
    try:
        result = await placing.place_order(shop, client, settings, NOTICES, likes(), "tok")
    finally:
        await client.close()
    assert result.outcome == "failed"
    assert result.reason is ReasonCode.PROVIDER_UNREACHABLE
    assert result.order_id is not None
    assert (await order_row(shop, result.order_id))["status"] == "failed"
    assert await wallet.balance(shop, USER) == 10 * MICRO
    assert [r["kind"] for r in await ledger(shop)] == ["charge", "refund"]


async def test_not_sent_then_accepted_places_one_order(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    # 429 = the panel refused to process the request: provably not placed, sent once more
    fake_panel.retry_after = "0.05"
    fake_panel.fail(Fault.RATE_LIMIT, times=1, actions={"add"})
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "placed"
    assert len(fake_panel.add_calls) == 2
    assert len(fake_panel.orders) == 1
    assert [r["kind"] for r in await ledger(shop)] == ["charge"]


async def test_not_sent_is_retried_at_most_once(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    fake_panel.retry_after = "0"
    fake_panel.fail(Fault.RATE_LIMIT, times=None, actions={"add"})
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "failed"
    assert len(fake_panel.add_calls) == 2
    assert await wallet.balance(shop, USER) == 10 * MICRO


async def test_double_confirm_places_one_order(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    first = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "same")
    second = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "same")
    assert first.outcome == "placed"
    assert second.outcome == "duplicate"
    assert second.order_id == first.order_id
    both = await asyncio.gather(
        placing.place_order(shop, panel_client, settings, NOTICES, likes(), "again"),
        placing.place_order(shop, panel_client, settings, NOTICES, likes(), "again"),
    )
    assert sorted(r.outcome for r in both) == ["duplicate", "placed"]
    assert len(fake_panel.add_calls) == 2
    assert [r["kind"] for r in await ledger(shop)] == ["charge", "charge"]
    assert await shop.fetchval("SELECT COUNT(*) FROM orders") == 2


async def test_concurrent_orders_never_overdraw(
    db: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    await add_user(db, USER, balance=50_000)  # enough for one 1000-likes order (36_000)
    await add_stock_services(db)
    results = await asyncio.gather(
        placing.place_order(db, panel_client, settings, NOTICES, likes(link="https://x/1"), "a"),
        placing.place_order(db, panel_client, settings, NOTICES, likes(link="https://x/2"), "b"),
    )
    assert sorted(r.outcome for r in results) == ["insufficient", "placed"]
    assert len(fake_panel.add_calls) == 1
    assert await wallet.balance(db, USER) == 50_000 - LIKES_RATE
    assert await db.fetchval("SELECT COUNT(*) FROM orders") == 1


async def test_insufficient_balance(
    db: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    await add_user(db, USER, balance=10_000)
    await add_stock_services(db)
    result = await placing.place_order(db, panel_client, settings, NOTICES, likes(1000), "tok")
    assert result.outcome == "insufficient"
    assert result.missing == LIKES_RATE - 10_000
    assert result.order_id is None
    assert await db.fetchval("SELECT COUNT(*) FROM orders") == 0
    assert await ledger(db) == []
    assert fake_panel.add_calls == []


async def test_maintenance_places_nothing(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    await shop.execute("INSERT INTO kv (key, value) VALUES ('maintenance', 'on')")
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.outcome == "maintenance"
    assert fake_panel.add_calls == []
    assert await shop.fetchval("SELECT COUNT(*) FROM orders") == 0
    assert await ledger(shop) == []


@pytest.mark.parametrize(
    ("change", "quantity"),
    [
        ("UPDATE services SET hidden = 1", 1000),
        ("UPDATE services SET available = 0", 1000),
        ("UPDATE services SET kind = NULL", 1000),
        ("DELETE FROM services", 1000),
        (None, 49),  # below min
        (None, 50001),  # above max
    ],
)
async def test_unavailable_places_nothing(
    shop: Database,
    settings: Settings,
    panel_client: PanelClient,
    fake_panel: FakePanel,
    change: str | None,
    quantity: int,
) -> None:
    if change:
        await shop.execute(change)
    result = await placing.place_order(
        shop, panel_client, settings, NOTICES, likes(quantity), "tok"
    )
    assert result.outcome == "unavailable"
    assert fake_panel.add_calls == []
    assert await shop.fetchval("SELECT COUNT(*) FROM orders") == 0
    with pytest.raises(placing.ServiceUnavailable):
        await placing.quote(shop, settings, likes(quantity))


async def test_drip_feed_and_package_pricing(
    db: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    await add_user(db, USER, balance=10 * MICRO)
    await add_service(db, "1", name="IG Followers", rate=900_000, min_qty=10, max_qty=10000)
    await add_service(db, "3", name="Package", kind="package", type_="Package",
                      rate=2_500_000, min_qty=1, max_qty=1)  # fmt: skip
    drip = Draft(USER, "1", {"link": "https://x", "quantity": 100, "runs": 3, "interval": 10}, 300,
                 "https://x")  # fmt: skip
    package = Draft(USER, "3", {"link": "https://y"}, 1, "https://y")
    first = await placing.place_order(db, panel_client, settings, NOTICES, drip, "d")
    second = await placing.place_order(db, panel_client, settings, NOTICES, package, "p")
    assert (first.outcome, first.charge) == ("placed", 270_000)
    assert (second.outcome, second.charge) == ("placed", 2_500_000)
    assert fake_panel.add_calls[0] == {"action": "add", "service": "1", "link": "https://x",
                                 "quantity": "100", "runs": "3", "interval": "10"}  # fmt: skip
    assert fake_panel.add_calls[1] == {"action": "add", "service": "3", "link": "https://y"}


async def test_recover_submitting(shop: Database, settings: Settings) -> None:
    async with shop.transaction() as conn:
        await conn.execute(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, quantity, charge,"
            " status_changed_at, created_at, updated_at)"
            " VALUES (?, ?, 't1', 'submitting', 1000, 36000, 0, 0, 0),"
            " (?, ?, 't2', 'pending', 1000, 36000, 0, 0, 0)",
            (USER, LIKES, USER, LIKES),
        )
    assert await placing.recover_submitting(shop, NOTICES) == 1
    statuses = await shop.fetchall("SELECT status FROM orders ORDER BY id")
    assert [r[0] for r in statuses] == ["unknown", "pending"]
    assert await alerts(shop) == [
        ("alert-order-unknown", ADMIN_CHAT, "alert:order:1:unknown"),
        ("order-interrupted", USER, "order:1:status:unknown"),  # the customer is told too
    ]
    assert await placing.recover_submitting(shop, NOTICES) == 0


async def test_a_price_rise_after_the_summary_is_never_charged(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    order = draft(1000)
    quote = await placing.quote(shop, settings, order)
    await shop.execute("UPDATE services SET rate = rate * 2 WHERE id = ?", (MEMBERS,))
    result = await placing.place_order(
        shop, panel_client, settings, NOTICES, order, "tok-price", max_charge=quote.charge
    )
    assert result.outcome == "price_changed"
    assert fake_panel.add_calls == []
    assert await wallet.balance(shop, USER) == 10 * MICRO
    # a price that fell is simply the new, lower price
    await shop.execute("UPDATE services SET rate = rate / 4 WHERE id = ?", (MEMBERS,))
    result = await placing.place_order(
        shop, panel_client, settings, NOTICES, order, "tok-price", max_charge=quote.charge
    )
    assert result.outcome == "placed" and result.charge == quote.charge // 2
    await assert_ledger_consistent(shop)


# --------------------------------------------------------------------------- while placing


async def start_slow_placing(
    db: Database, panel: PanelClient, settings: Settings, fake_panel: FakePanel
) -> tuple[asyncio.Task[placing.PlaceResult], int]:
    """Start placing an order whose `add` takes 0.4 s; return once its row exists."""
    fake_panel.delay = 0.4
    token = placing.new_confirm_token()
    task = asyncio.create_task(
        placing.place_order(db, panel, settings, NOTICES, draft(1000), token)
    )
    for _ in range(100):
        order_id = await db.fetchval("SELECT id FROM orders WHERE confirm_token = ?", (token,))
        if order_id is not None:
            return task, int(order_id)
        await asyncio.sleep(0.01)
    raise AssertionError("the order row never appeared")


# the add takes 0.4 s: long enough to act meanwhile, within the read timeout
@pytest.mark.panel_client(read_timeout=2)
async def test_operator_refund_while_add_is_in_flight_changes_nothing(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    task, order_id = await start_slow_placing(shop, panel_client, settings, fake_panel)
    assert (await order_row(shop, order_id))["status"] == "submitting"
    # the outcome of the add is not known yet: an operator's refund must not race it
    assert await status.operator_refund(shop, ADMIN, order_id) == ("busy", 0)
    result = await task
    assert result.outcome == "placed"
    placed = await order_row(shop, order_id)
    assert (placed["status"], placed["refunded"]) == ("pending", 0)
    await assert_ledger_consistent(shop)


@pytest.mark.panel_client(read_timeout=2)
async def test_placing_never_overwrites_a_status_someone_else_set(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    """Defence in depth: whatever moved the order off `submitting` meanwhile (here a
    start-up recovery of another process on the same file) wins; the panel id is kept."""
    task, order_id = await start_slow_placing(shop, panel_client, settings, fake_panel)
    await placing.recover_submitting(shop, NOTICES)
    assert (await order_row(shop, order_id))["status"] == "unknown"
    result = await task
    assert result.outcome == "unknown"
    after = await order_row(shop, order_id)
    assert after["status"] == "unknown" and after["panel_order_id"] is None
    assert str(result.panel_order_id) in (after["error"] or "")
    await assert_ledger_consistent(shop)


class OddChargePanel(FakePanel):
    """Answers `add` with a charge no real account could have."""

    odd_charge = "1e30"

    def _add(self, form: dict[str, str]) -> web.Response:
        response = super()._add(form)
        data = json.loads(response.text or "{}")
        if "order" in data:
            data["charge"] = self.odd_charge
        return self._json(data)


@pytest.mark.parametrize("charge", ["1e30", "-5", "1e999999"])
async def test_an_absurd_add_charge_never_strands_a_placed_order(
    shop: Database, settings: Settings, charge: str
) -> None:
    async with OddChargePanel(key=TEST_KEY) as odd:
        odd.odd_charge = charge
        async with PanelClient(odd.url, TEST_KEY, read_timeout=2) as client:
            result = await placing.place_order(
                shop, client, settings, NOTICES, draft(1000), "tok-odd"
            )
    assert result.outcome == "placed"
    assert result.order_id is not None
    placed = await order_row(shop, result.order_id)
    assert (placed["status"], placed["panel_order_id"], placed["cost"]) == (
        "pending",
        result.panel_order_id,
        None,
    )
    await assert_ledger_consistent(shop)


# --------------------------------------------------------------------------- reading back


async def test_get_order_is_owner_only(
    shop: Database, settings: Settings, panel_client: PanelClient
) -> None:
    result = await placing.place_order(shop, panel_client, settings, NOTICES, likes(), "tok")
    assert result.order_id is not None
    mine = await queries.get_order(shop, USER, result.order_id)
    assert mine is not None and mine.service_name == "IG Likes"
    assert await queries.get_order(shop, OTHER, result.order_id) is None
    assert await status.refresh_order(shop, panel_client, NOTICES, OTHER, result.order_id) is None
    assert await queries.get_order(shop, USER, 999) is None


async def test_list_orders_pages_newest_first(
    shop: Database, settings: Settings, panel_client: PanelClient
) -> None:
    ids = []
    for n in range(7):
        result = await placing.place_order(
            shop, panel_client, settings, NOTICES, likes(link=f"https://x/{n}"), f"t{n}"
        )
        ids.append(result.order_id)
    await placing.place_order(shop, panel_client, settings, NOTICES, likes(user=OTHER), "other")
    first = await queries.list_orders(shop, USER, 0)
    assert [o.id for o in first.items] == ids[::-1][:5]
    assert (first.page, first.pages, first.total, first.has_prev, first.has_next) == (
        0,
        2,
        7,
        False,
        True,
    )
    second = await queries.list_orders(shop, USER, 1)
    assert [o.id for o in second.items] == ids[1::-1]
    clamped = await queries.list_orders(shop, USER, 99)
    assert clamped.page == 1
    empty = await queries.list_orders(shop, 4242, 0)
    assert (empty.items, empty.pages, empty.total) == ([], 1, 0)
