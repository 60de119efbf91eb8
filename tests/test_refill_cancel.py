"""Refill and cancel requests: accepted, rejected with the panel's reason, one at a time,
refill status announced, cancel -> Canceled -> full refund once, ownership."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.panel import PanelClient, ReasonCode
from bot.services import wallet
from bot.services.orders import requests
from bot.services.orders.poller import Poller
from bot.services.orders.requests import Outcome
from tests.fakes.panel import FakePanel, Fault
from tests.helpers import (
    TRACKED_CHARGE,
    USER,
    add_stock_services,
    add_tracked_order,
    add_user,
    order_row,
)

pytestmark = pytest.mark.panel_client(retries=0)


@pytest.fixture(autouse=True)
async def _shop(db: Database) -> None:
    await add_user(db, USER)
    await add_stock_services(db)


async def test_refill_accepted_then_status_announced(
    db: Database, fake_panel: FakePanel, panel_client: PanelClient, poller: Poller
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel, service="17", status="completed")
    fake_panel.set_status(pid, "Completed", remains=0)
    result = await requests.request_refill(db, panel_client, USER, oid)
    assert result.outcome is Outcome.ACCEPTED
    # a second press: in progress, the panel is not asked again
    calls = len([r for r in fake_panel.requests if r["action"] == "refill"])
    again = await requests.request_refill(db, panel_client, USER, oid)
    assert again.outcome is Outcome.IN_PROGRESS
    assert len([r for r in fake_panel.requests if r["action"] == "refill"]) == calls
    refill_id = next(iter(fake_panel.refills))
    await poller.poll_once()
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE chat_id = ?", (USER,)) == 0
    fake_panel.set_refill_status(refill_id, "Completed")
    await db.execute("UPDATE order_requests SET next_poll_at = 0")
    await poller.poll_once()
    keys = [
        r["key"] for r in await db.fetchall("SELECT key FROM outbox WHERE chat_id = ?", (USER,))
    ]
    assert keys == ["track-refill-completed"]
    assert await db.fetchval("SELECT active FROM order_requests") == 0
    # closed: a new refill may be requested
    assert (await requests.request_refill(db, panel_client, USER, oid)).outcome is Outcome.ACCEPTED


async def test_refill_rejected_with_reason(
    db: Database, fake_panel: FakePanel, panel_client: PanelClient
) -> None:
    oid, _ = await add_tracked_order(db, fake_panel, service="17", status="completed")
    fake_panel.services[-1]["refill"] = False  # the panel changed its mind
    result = await requests.request_refill(db, panel_client, USER, oid)
    assert result.outcome is Outcome.REJECTED
    assert result.reason is ReasonCode.REFILL_NOT_AVAILABLE
    assert await db.fetchval("SELECT status FROM order_requests") == "rejected"


async def test_not_offered_and_foreign_orders(
    db: Database, fake_panel: FakePanel, panel_client: PanelClient
) -> None:
    # no refill on service 2
    plain, _ = await add_tracked_order(db, fake_panel, service="2", status="completed")
    mine, _ = await add_tracked_order(db, fake_panel, service="17", status="pending")
    assert (
        await requests.request_refill(db, panel_client, USER, plain)
    ).outcome is Outcome.NOT_ALLOWED
    assert (
        await requests.request_refill(db, panel_client, USER, mine)
    ).outcome is Outcome.NOT_ALLOWED
    await add_user(db, 2002)
    forged = await requests.request_cancel(db, panel_client, 2002, mine)
    assert forged.outcome is Outcome.NOT_FOUND
    assert await requests.available_actions(db, 2002, mine) == frozenset()
    assert await requests.available_actions(db, USER, mine) == frozenset({"cancel"})
    assert not fake_panel.cancels


async def test_cancel_then_canceled_refunds_once(
    db: Database, fake_panel: FakePanel, panel_client: PanelClient, poller: Poller
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel, service="17", status="in_progress")
    fake_panel.set_status(pid, "In progress")
    result = await requests.request_cancel(db, panel_client, USER, oid)
    assert result.outcome is Outcome.ACCEPTED
    second = await requests.request_cancel(db, panel_client, USER, oid)
    assert second.outcome is Outcome.IN_PROGRESS
    assert fake_panel.cancels == [pid]
    await poller.poll_once()  # accepted is not done
    assert (await order_row(db, oid))["status"] == "in_progress"
    fake_panel.advance()  # the panel cancels it
    for _ in range(3):
        await db.execute("UPDATE orders SET next_poll_at = 0")
        await poller.poll_once()
    row = await order_row(db, oid)
    assert (row["status"], row["refunded"]) == ("canceled", TRACKED_CHARGE)
    assert await wallet.balance(db, USER) == TRACKED_CHARGE
    assert await db.fetchval("SELECT count(*) FROM ledger WHERE kind = 'refund'") == 1
    assert await db.fetchval("SELECT status || active FROM order_requests") == "done0"


async def test_cancel_rejected_and_panel_unreachable(
    db: Database, fake_panel: FakePanel, panel_client: PanelClient
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel, service="17", status="pending")
    fake_panel.set_status(pid, "Completed")  # too late at the panel
    result = await requests.request_cancel(db, panel_client, USER, oid)
    assert result.outcome is Outcome.REJECTED
    assert result.reason is ReasonCode.CANCEL_NOT_AVAILABLE
    fake_panel.set_status(pid, "Pending")
    fake_panel.fail(Fault.HTML_502, times=1)
    unknown = await requests.request_cancel(db, panel_client, USER, oid)
    assert unknown.outcome is Outcome.UNKNOWN  # 5xx after sending: maybe accepted, not retried
    await fake_panel.refuse()
    down = await requests.request_cancel(db, panel_client, USER, oid)
    assert down.outcome is Outcome.UNAVAILABLE
