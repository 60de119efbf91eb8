"""The order status machine (services/orders/status.py) as the poller, the Refresh button
and the operators drive it: money-moving transitions applied once, final states never
reopened, absurd panel numbers survived. Real SQLite file, the fake panel."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.db import Database
from bot.panel import PanelClient
from bot.services import wallet
from bot.services.orders import status
from bot.services.orders.poller import Poller
from tests.fakes.panel import FakePanel
from tests.helpers import (
    LIKES,
    LIKES_RATE,
    MICRO,
    NOTICES,
    USER,
    add_stock_services,
    add_user,
    assert_ledger_consistent,
    order_row,
    place,
)

ADMIN = 777
START_BALANCE = 100 * MICRO


@pytest.fixture
async def shop(db: Database) -> Database:
    await add_user(db, USER, balance=START_BALANCE)
    await add_stock_services(db)
    return db


async def refunds_of(db: Database, order_id: int) -> int:
    value = await db.fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE order_id = ? AND kind = 'refund'",
        (order_id,),
    )
    return int(value)


# --------------------------------------------------------------------------- admin refund


async def test_admin_refund_after_partial_refunds_the_rest(
    shop: Database,
    settings: Settings,
    panel_client: PanelClient,
    fake_panel: FakePanel,
    poller: Poller,
) -> None:
    placed = await place(shop, panel_client, settings, 1000)
    assert placed.order_id is not None and placed.panel_order_id is not None
    fake_panel.set_status(placed.panel_order_id, "Partial", remains=250)
    await poller.poll_once()
    assert (await order_row(shop, placed.order_id))["refunded"] == placed.charge // 4
    # the operator decides to give back the rest too
    outcome, amount = await status.operator_refund(shop, ADMIN, placed.order_id)
    assert (outcome, amount) == ("refunded", placed.charge - placed.charge // 4)
    after = await order_row(shop, placed.order_id)
    assert after["refunded"] == placed.charge == await refunds_of(shop, placed.order_id)
    assert await status.operator_refund(shop, ADMIN, placed.order_id) == ("already", 0)
    await assert_ledger_consistent(shop)


# --------------------------------------------------------------------------- manual refresh


async def test_refresh_order_applies_the_panel_status(
    shop: Database, settings: Settings, panel_client: PanelClient, fake_panel: FakePanel
) -> None:
    result = await place(shop, panel_client, settings, 1000, service=LIKES)
    assert result.order_id is not None and result.panel_order_id is not None
    fake_panel.set_status(result.panel_order_id, "In progress", remains=600, start_count=120)
    view = await status.refresh_order(shop, panel_client, NOTICES, USER, result.order_id)
    assert view is not None
    assert (view.status, view.start_count, view.remains, view.progress) == (
        "in_progress",
        120,
        600,
        40,
    )
    # a money-moving transition is applied exactly as the poller would: refund, notification
    fake_panel.set_status(result.panel_order_id, "Partial", remains=300)
    view = await status.refresh_order(shop, panel_client, NOTICES, USER, result.order_id)
    assert view is not None
    refund = LIKES_RATE * 300 // 1000
    assert (view.status, view.remains, view.refunded) == ("partial", 300, refund)
    assert await wallet.balance(shop, USER) == START_BALANCE - LIKES_RATE + refund
    # pressing Refresh again (or the poller racing it) moves no money and tells nobody twice
    view = await status.refresh_order(shop, panel_client, NOTICES, USER, result.order_id)
    assert view is not None and (view.status, view.refunded) == ("partial", refund)
    assert await wallet.balance(shop, USER) == START_BALANCE - LIKES_RATE + refund
    refs = [e.ref for e in await wallet.history(shop, USER) if e.kind == "refund"]
    assert refs == [f"order:{result.order_id}:refund:part:0"]
    rows = await shop.fetchall(
        "SELECT key, dedup FROM outbox WHERE chat_id = ? ORDER BY id", (USER,)
    )
    assert [(r["key"], r["dedup"]) for r in rows] == [
        ("track-started", f"order:{result.order_id}:status:in_progress"),
        ("track-partial", f"order:{result.order_id}:status:partial"),
    ]


@pytest.mark.parametrize("final", ["Completed", "Partial", "Canceled", "Refunded"])
async def test_refresh_never_reopens_a_final_order(
    shop: Database,
    settings: Settings,
    panel_client: PanelClient,
    fake_panel: FakePanel,
    poller: Poller,
    final: str,
) -> None:
    placed = await place(shop, panel_client, settings, 1000)
    assert placed.order_id is not None and placed.panel_order_id is not None
    fake_panel.set_status(placed.panel_order_id, final, remains=400)
    await poller.poll_once()
    before = await order_row(shop, placed.order_id)
    assert before["status"] == final.lower()
    # a flaky panel later shows the order as running again; the user presses Refresh
    fake_panel.set_status(placed.panel_order_id, "In progress", remains=900)
    view = await status.refresh_order(shop, panel_client, NOTICES, USER, placed.order_id)
    assert view is not None and view.status == before["status"]
    after = await order_row(shop, placed.order_id)
    assert (after["status"], after["refunded"], after["remains"]) == (
        before["status"],
        before["refunded"],
        before["remains"],
    )
    # and the poller does not pick it up again
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    assert (await poller.poll_once()).polled == 0
    await assert_ledger_consistent(shop)


async def test_refresh_of_an_operator_refunded_order_keeps_it_refunded(
    shop: Database,
    settings: Settings,
    panel_client: PanelClient,
    fake_panel: FakePanel,
    poller: Poller,
) -> None:
    placed = await place(shop, panel_client, settings, 1000)
    assert placed.order_id is not None
    assert (await status.operator_refund(shop, ADMIN, placed.order_id))[0] == "refunded"
    await status.refresh_order(shop, panel_client, NOTICES, USER, placed.order_id)  # panel: Pending
    assert (await order_row(shop, placed.order_id))["status"] == "refunded"
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    assert (await poller.poll_once()).polled == 0


async def test_an_absurd_status_number_does_not_block_the_poller(
    shop: Database,
    settings: Settings,
    panel_client: PanelClient,
    fake_panel: FakePanel,
    poller: Poller,
) -> None:
    odd = await place(shop, panel_client, settings, 1000)
    fine = await place(shop, panel_client, settings, 1000)
    assert odd.panel_order_id and fine.panel_order_id and odd.order_id and fine.order_id
    fake_panel.set_status(odd.panel_order_id, "In progress", remains=10**20, start_count=-(10**19))
    fake_panel.set_status(fine.panel_order_id, "Canceled")
    report = await poller.poll_once()
    assert report.refunds == 1
    assert (await order_row(shop, fine.order_id))["status"] == "canceled"
    in_progress = await order_row(shop, odd.order_id)
    assert in_progress["status"] == "in_progress"
    # the next cycle (nothing changed) stores the numbers the same careful way
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    await poller.poll_once()
    # and Partial with an absurd remains refunds at most the charge
    fake_panel.set_status(odd.panel_order_id, "Partial", remains=10**20)
    await shop.execute("UPDATE orders SET next_poll_at = 0")
    await poller.poll_once()
    after = await order_row(shop, odd.order_id)
    assert after["status"] == "partial" and after["refunded"] == odd.charge
    # a manual refresh with absurd numbers does not crash either
    fake_panel.set_status(fine.panel_order_id, "Canceled", remains=10**20)
    await status.refresh_order(shop, panel_client, NOTICES, USER, fine.order_id)
    await assert_ledger_consistent(shop)
