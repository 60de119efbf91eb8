# ruff: noqa: F811, RUF059
"""Refill and cancel requests: accepted, rejected with the panel's reason, one at a time,
refill status announced, cancel -> Canceled -> full refund once, ownership."""

from __future__ import annotations

from bot.db import Database
from bot.panel import ReasonCode
from bot.services import wallet
from bot.services.orders import requests
from bot.services.orders.poller import Poller
from bot.services.orders.requests import Outcome
from tests.conftest import add_user
from tests.fakes.panel import FakePanel, Fault
from tests.test_tracking import CHARGE, USER, card, client, fake, order, place, poller  # noqa: F401


async def test_refill_accepted_then_status_announced(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    oid, pid = await place(db, fake, service="17", status="completed")
    fake.set_status(pid, "Completed", remains=0)
    result = await requests.request_refill(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert result.outcome is Outcome.ACCEPTED
    # a second press: in progress, the panel is not asked again
    calls = len([r for r in fake.requests if r["action"] == "refill"])
    again = await requests.request_refill(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert again.outcome is Outcome.IN_PROGRESS
    assert len([r for r in fake.requests if r["action"] == "refill"]) == calls
    refill_id = next(iter(fake.refills))
    await poller.poll_once()
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE chat_id = ?", (USER,)) == 0
    fake.set_refill_status(refill_id, "Completed")
    await db.execute("UPDATE order_requests SET next_poll_at = 0")
    await poller.poll_once()
    keys = [
        r["key"] for r in await db.fetchall("SELECT key FROM outbox WHERE chat_id = ?", (USER,))
    ]
    assert keys == ["track-refill-completed"]
    assert await db.fetchval("SELECT active FROM order_requests") == 0
    # closed: a new refill may be requested
    assert (await requests.request_refill(db, poller.panel, USER, oid)).outcome is Outcome.ACCEPTED  # type: ignore[arg-type]


async def test_refill_rejected_with_reason(db: Database, fake: FakePanel, poller: Poller) -> None:
    oid, pid = await place(db, fake, service="17", status="completed")
    fake.services[-1]["refill"] = False  # the panel changed its mind
    result = await requests.request_refill(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert result.outcome is Outcome.REJECTED
    assert result.reason is ReasonCode.REFILL_NOT_AVAILABLE
    assert await db.fetchval("SELECT status FROM order_requests") == "rejected"


async def test_not_offered_and_foreign_orders(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    plain, _ = await place(db, fake, service="2", status="completed")  # no refill on service 2
    mine, _ = await place(db, fake, service="17", status="pending")
    assert (
        await requests.request_refill(db, poller.panel, USER, plain)
    ).outcome is Outcome.NOT_ALLOWED  # type: ignore[arg-type]
    assert (
        await requests.request_refill(db, poller.panel, USER, mine)
    ).outcome is Outcome.NOT_ALLOWED  # type: ignore[arg-type]
    await add_user(db, 2002)
    forged = await requests.request_cancel(db, poller.panel, 2002, mine)  # type: ignore[arg-type]
    assert forged.outcome is Outcome.NOT_FOUND
    assert await requests.available_actions(db, 2002, mine) == frozenset()
    assert await requests.available_actions(db, USER, mine) == frozenset({"cancel"})
    assert not fake.cancels


async def test_cancel_then_canceled_refunds_once(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    oid, pid = await place(db, fake, service="17", status="in_progress")
    fake.set_status(pid, "In progress")
    result = await requests.request_cancel(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert result.outcome is Outcome.ACCEPTED
    second = await requests.request_cancel(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert second.outcome is Outcome.IN_PROGRESS
    assert fake.cancels == [pid]
    await poller.poll_once()  # accepted is not done
    assert (await order(db, oid))["status"] == "in_progress"
    fake.advance()  # the panel cancels it
    for _ in range(3):
        await db.execute("UPDATE orders SET next_poll_at = 0")
        await poller.poll_once()
    row = await order(db, oid)
    assert (row["status"], row["refunded"]) == ("canceled", CHARGE)
    assert await wallet.balance(db, USER) == CHARGE
    assert await db.fetchval("SELECT count(*) FROM ledger WHERE kind = 'refund'") == 1
    assert await db.fetchval("SELECT status || active FROM order_requests") == "done0"


async def test_cancel_rejected_and_panel_unreachable(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    oid, pid = await place(db, fake, service="17", status="pending")
    fake.set_status(pid, "Completed")  # too late at the panel
    result = await requests.request_cancel(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert result.outcome is Outcome.REJECTED
    assert result.reason is ReasonCode.CANCEL_NOT_AVAILABLE
    fake.set_status(pid, "Pending")
    fake.fail(Fault.HTML_502, times=1)
    unknown = await requests.request_cancel(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert unknown.outcome is Outcome.UNKNOWN  # 5xx after sending: maybe accepted, not retried
    await fake.refuse()
    down = await requests.request_cancel(db, poller.panel, USER, oid)  # type: ignore[arg-type]
    assert down.outcome is Outcome.UNAVAILABLE
