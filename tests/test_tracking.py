"""The poller against the fake panel: statuses, exact refunds, notifications, back-off."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.db import Database
from bot.money import format_amount, localize_params
from bot.panel import PanelClient
from bot.services import wallet
from bot.services.orders.poller import BACKLOG_FACTOR, Poller, PollerConfig
from bot.services.orders.status import partial_refund
from tests.fakes.panel import FakePanel, Fault
from tests.helpers import (
    ADMIN_CHAT,
    NOTICES,
    TRACKED_CHARGE,
    USER,
    add_stock_services,
    add_tracked_order,
    add_user,
    order_row,
    outbox_rows,
)


def card(order_id: int) -> str:
    return f"o:view:{order_id}:0"


# the tests count the requests the panel got: no retries
pytestmark = pytest.mark.panel_client(retries=0)


@pytest.fixture(autouse=True)
async def _shop(db: Database) -> None:
    await add_user(db, USER)
    await add_stock_services(db)


async def refunds(db: Database) -> list[tuple[str, int]]:
    rows = await db.fetchall("SELECT ref, amount FROM ledger WHERE kind = 'refund' ORDER BY id")
    return [(r["ref"], r["amount"]) for r in rows]


async def due_all(db: Database) -> None:
    await db.execute("UPDATE orders SET next_poll_at = 0")


def test_partial_refund_rounding() -> None:
    assert partial_refund(1_000_000, 1000, 250) == 250_000
    assert partial_refund(1_000_001, 3, 1) == 333_333  # rounded down
    assert partial_refund(1_000_000, 1000, 0) == 0
    assert partial_refund(1_000_000, 1000, -5) == 0
    assert partial_refund(1_000_000, 1000, 5000) == 1_000_000  # never more than the charge


async def test_lifecycle_to_completed(db: Database, fake_panel: FakePanel, poller: Poller) -> None:
    oid, pid = await add_tracked_order(db, fake_panel)
    report = await poller.poll_once()
    assert (report.polled, report.requests, report.changed) == (1, 1, 0)
    assert await outbox_rows(db) == []
    fake_panel.set_status(pid, "In progress", start_count=100, remains=400)
    await due_all(db)
    await poller.poll_once()
    row = await order_row(db, oid)
    assert (row["status"], row["remains"], row["start_count"]) == ("in_progress", 400, 100)
    fake_panel.set_status(pid, "Processing")
    await due_all(db)
    await poller.poll_once()
    fake_panel.set_status(pid, "COMPLETED", remains=0)
    await due_all(db)
    await poller.poll_once()
    assert (await order_row(db, oid))["status"] == "completed"
    keys = [r["key"] for r in await outbox_rows(db, USER)]
    assert keys == ["track-started", "track-completed"]
    first = (await outbox_rows(db, USER))[0]
    assert json.loads(str(first["buttons"])) == [
        [{"key": "track-btn-order", "data": card(oid), "params": {}}]
    ]
    assert await refunds(db) == []
    # final: never polled again
    await due_all(db)
    assert (await poller.poll_once()).polled == 0


@pytest.mark.parametrize(
    ("remains", "expected"), [(250, 250_000), (0, 0), (-3, 0), (1000, 1_000_000)]
)
async def test_partial_refund_once(
    db: Database, fake_panel: FakePanel, poller: Poller, remains: int, expected: int
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel, status="in_progress")
    fake_panel.set_status(pid, "Partial", remains=remains)
    for _ in range(3):  # repeated polls and a fresh poller (restart): one refund
        await due_all(db)
        await poller.poll_once()
    again = Poller(db, poller.panel, notices=NOTICES)
    await due_all(db)
    await again.poll_once()
    row = await order_row(db, oid)
    assert row["status"] == "partial" and row["refunded"] == expected
    ref = f"order:{oid}:refund" if expected == TRACKED_CHARGE else f"order:{oid}:refund:part:0"
    assert await refunds(db) == ([(ref, expected)] if expected else [])
    assert await wallet.balance(db, USER) == expected
    notes = await outbox_rows(db, USER)
    alerts = [r["key"] for r in await outbox_rows(db, ADMIN_CHAT)]
    if expected:
        assert [n["key"] for n in notes] == ["track-partial"]
        params = localize_params(json.loads(str(notes[0]["params"])), "en")
        assert params["refund"] == format_amount(expected, "USD")
        assert "track-alert-partial-no-remains" not in alerts
    else:
        # nothing to refund by rule: no "0.00 is back" to the user; one alert to operators
        assert [n["key"] for n in notes] == ["track-partial-no-refund"]
        assert alerts.count("track-alert-partial-no-remains") == 1


@pytest.mark.parametrize(("raw", "state"), [("Canceled", "canceled"), ("Cancelled", "canceled"),
                                             ("Refunded", "refunded")])  # fmt: skip
async def test_cancel_and_refund_give_everything_back(
    db: Database, fake_panel: FakePanel, poller: Poller, raw: str, state: str
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel)
    fake_panel.set_status(pid, raw)
    await poller.poll_once()
    await due_all(db)
    await poller.poll_once()
    row = await order_row(db, oid)
    assert (row["status"], row["refunded"]) == (state, TRACKED_CHARGE)
    assert await refunds(db) == [(f"order:{oid}:refund", TRACKED_CHARGE)]
    assert [n["key"] for n in await outbox_rows(db, USER)] == [f"track-{state}"]


async def test_every_status_spelling_maps(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    cases = {
        "Pending": "pending", "In progress": "in_progress", "In Progress": "in_progress",
        "In progess": "in_progress", "processing": "processing", "Active": "active",
        "Completed": "completed", "Partial": "partial", "Fail": "error", "Error": "error",
    }  # fmt: skip
    ids = {}
    for raw in cases:
        oid, pid = await add_tracked_order(db, fake_panel, quantity=100)
        fake_panel.set_status(pid, raw, remains=10)
        ids[raw] = oid
    oid_unknown, pid_unknown = await add_tracked_order(db, fake_panel)
    fake_panel.set_status(pid_unknown, "Strange new status")
    await poller.poll_once()
    for raw, state in cases.items():
        assert (await order_row(db, ids[raw]))["status"] == state, raw
    assert (await order_row(db, oid_unknown))["status"] == "pending"
    alerts = [r["key"] for r in await outbox_rows(db, ADMIN_CHAT)]
    assert alerts == ["track-alert-order-failed", "track-alert-order-failed"]


async def test_restart_between_change_and_notification(
    db: Database, fake_panel: FakePanel, poller: Poller, tmp_path: object
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel)
    fake_panel.set_status(pid, "Canceled")
    await poller.poll_once()
    # "crash": reopen the database; the notification row was committed with the change
    path = db.target
    await db.close()
    reopened = Database(path)
    await reopened.connect()
    try:
        rows = await reopened.fetchall("SELECT key, status FROM outbox WHERE chat_id = ?", (USER,))
        assert [tuple(r) for r in rows] == [("track-canceled", "queued")]
        assert (
            await reopened.fetchval("SELECT refunded FROM orders WHERE id = ?", (oid,))
            == TRACKED_CHARGE
        )
    finally:
        await reopened.close()
        await db.connect()


async def test_per_id_errors_back_off_and_flag(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    good, good_pid = await add_tracked_order(db, fake_panel)
    bad, bad_pid = await add_tracked_order(db, fake_panel)
    del fake_panel.orders[bad_pid]  # the panel no longer knows it: "Incorrect order ID"
    fake_panel.set_status(good_pid, "In progress")
    now = 1_000_000
    report = await poller.poll_once(now)
    assert report.errors == 1 and report.changed == 1
    assert (await order_row(db, good))["status"] == "in_progress"
    row = await order_row(db, bad)
    assert row["poll_errors"] == 1 and row["next_poll_at"] == now + 120
    for i in range(2, 7):
        await due_all(db)
        await poller.poll_once(now + i)
    row = await order_row(db, bad)
    assert row["poll_errors"] == 6 and row["status"] == "pending"
    alerts = await outbox_rows(db, ADMIN_CHAT)
    assert [a["key"] for a in alerts] == ["track-alert-order-errors"]  # once, dedup'd
    assert "Incorrect order ID" in json.loads(str(alerts[0]["params"]))["error"]


async def test_panel_down_one_alert_backoff_and_back(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    oid, pid = await add_tracked_order(db, fake_panel)
    fake_panel.fail(Fault.HTML_502, times=None)
    for i in range(4):
        await due_all(db)
        report = await poller.poll_once(1_000_000 + i * 60)
        assert report.panel_down
    assert poller.down_streak == 4
    assert [a["key"] for a in await outbox_rows(db, ADMIN_CHAT)] == ["track-alert-panel-down"]
    fake_panel.fail(Fault.NONE)
    fake_panel.set_status(pid, "In progress")
    await due_all(db)
    report = await poller.poll_once(1_000_000 + 600)
    assert not report.panel_down and poller.down_streak == 0
    assert (await order_row(db, oid))["status"] == "in_progress"
    keys = [a["key"] for a in await outbox_rows(db, ADMIN_CHAT)]
    assert keys == ["track-alert-panel-down", "track-alert-panel-back"]
    await due_all(db)
    await poller.poll_once(1_000_000 + 700)
    assert len(await outbox_rows(db, ADMIN_CHAT)) == 2


async def test_unchanged_orders_are_polled_less_often(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    fresh, _ = await add_tracked_order(db, fake_panel)
    old, _ = await add_tracked_order(db, fake_panel)
    ancient, _ = await add_tracked_order(db, fake_panel)
    now = 10_000_000
    await db.execute("UPDATE orders SET status_changed_at = ?", (now,))
    await db.execute("UPDATE orders SET status_changed_at = ? WHERE id = ?", (now - 7200, old))
    await db.execute(
        "UPDATE orders SET status_changed_at = ? WHERE id = ?", (now - 2 * 86400, ancient)
    )
    await poller.poll_once(now)
    assert (await order_row(db, fresh))["next_poll_at"] == now + 60
    assert (await order_row(db, old))["next_poll_at"] == now + 300
    assert (await order_row(db, ancient))["next_poll_at"] == now + 1800


async def test_batches_of_100(db: Database, fake_panel: FakePanel, poller: Poller) -> None:
    for _ in range(250):
        await add_tracked_order(db, fake_panel)
    fake_panel.requests.clear()
    report = await poller.poll_once()
    assert report.requests == 3
    sizes = sorted(
        len(r["orders"].split(",")) for r in fake_panel.requests if r["action"] == "status"
    )
    assert sizes == [50, 100, 100]


async def test_status_change_stores_what_the_panel_charged(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    """A Partial's charge is what the panel kept: the cost behind /stats follows it."""
    from decimal import Decimal

    oid, pid = await add_tracked_order(db, fake_panel, status="in_progress")
    fake_panel.orders[pid].charge = Decimal("0.0270")
    fake_panel.set_status(pid, "Partial", remains=250)
    await due_all(db)
    await poller.poll_once()
    assert (await order_row(db, oid))["cost"] == 27_000


async def test_a_batch_applies_every_change_exactly(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    """One poll of many orders changing at once (the batch path: one read, one write per
    kind, one insert of notifications) ends exactly as one order at a time would: every
    status, every refund to the micro-unit, one notification per change, a cancel request
    closed when its order is final, settled orders left alone."""
    plan = [
        ("pending", "In progress", 1000, "in_progress", 0, "track-started"),
        ("in_progress", "Processing", 1000, "processing", 0, None),
        ("in_progress", "Completed", 0, "completed", 0, "track-completed"),
        ("pending", "Completed", 0, "completed", 0, "track-completed"),
        ("in_progress", "Partial", 333, "partial", partial_refund(TRACKED_CHARGE, 1000, 333),
         "track-partial"),
        ("in_progress", "Canceled", 1000, "canceled", TRACKED_CHARGE, "track-canceled"),
        ("in_progress", "In progress", 700, "in_progress", 0, None),
    ] * 20  # fmt: skip
    orders = []
    for before, panel_status, remains, *_ in plan:
        oid, pid = await add_tracked_order(db, fake_panel, status=before)
        fake_panel.set_status(pid, panel_status, remains=remains)
        orders.append(oid)
    settled, settled_pid = await add_tracked_order(db, fake_panel, status="completed")
    fake_panel.set_status(settled_pid, "Canceled")
    completed_with_cancel = orders[2]
    await db.execute(
        "INSERT INTO order_requests (order_id, user_id, kind, status, active, created_at,"
        " updated_at) VALUES (?, ?, 'cancel', 'accepted', 1, 0, 0)",
        (completed_with_cancel, USER),
    )

    report = await poller.poll_once()
    assert report.polled == len(plan) and report.requests == 2  # batches of 100
    assert report.changed == sum(1 for p in plan if p[3] != p[0])
    assert report.refunds == 40
    expected_total = 0
    for oid, (_, _, remains, status, refund, _) in zip(orders, plan, strict=True):
        row = await order_row(db, oid)
        assert (row["status"], row["refunded"]) == (status, refund), oid
        if status == "in_progress" and remains == 700:
            assert row["remains"] == 700
        expected_total += refund
    assert await wallet.balance(db, USER) == expected_total
    assert (await order_row(db, settled))["status"] == "completed"  # never reopened
    notes = await outbox_rows(db, USER)
    assert sorted(n["key"] for n in notes) == sorted(p[5] for p in plan if p[5])
    assert len({n["dedup"] for n in notes}) == len(notes)
    request = await db.fetchone(
        "SELECT active, status FROM order_requests WHERE order_id = ?", (completed_with_cancel,)
    )
    assert request is not None and (request["active"], request["status"]) == (0, "done")

    await due_all(db)  # the same answers again: nothing moves, nothing is queued twice
    again = await poller.poll_once()
    assert (again.changed, again.refunds, again.notified) == (0, 0, 0)
    assert len(await outbox_rows(db, USER)) == len(notes)
    assert await wallet.balance(db, USER) == expected_total


async def test_a_batch_credits_the_inviter_of_a_completed_order_once(
    db: Database, fake_panel: FakePanel, poller: Poller
) -> None:
    """The batch path settles a completed order as set_order_status does: the inviter of
    an invited customer gets the referral bonus, once, in the same transaction; a customer
    nobody invited moves no money."""
    inviter = USER + 1
    await add_user(db, inviter)
    await db.execute(
        "INSERT INTO referrals (user_id, inviter_id, joined_at) VALUES (?, ?, 0)", (USER, inviter)
    )
    await db.execute("INSERT INTO kv (key, value) VALUES ('referral_percent', '10')")
    invited, pid = await add_tracked_order(db, fake_panel, status="in_progress")
    other_user = USER + 2
    await add_user(db, other_user)
    alone, other_pid = await add_tracked_order(
        db, fake_panel, user_id=other_user, status="in_progress"
    )
    fake_panel.set_status(pid, "Completed", remains=0)
    fake_panel.set_status(other_pid, "Completed", remains=0)
    for _ in range(2):  # a repeated poll credits nothing more
        await due_all(db)
        await poller.poll_once()
    assert (await order_row(db, invited))["status"] == "completed"
    assert (await order_row(db, alone))["status"] == "completed"
    assert await wallet.balance(db, inviter) == TRACKED_CHARGE // 10
    credits = await db.fetchall("SELECT ref FROM ledger WHERE user_id = ?", (inviter,))
    assert [r["ref"] for r in credits] == [f"referral:{invited}"]


async def test_answers_waiting_for_the_writer_are_bounded(
    db: Database, fake_panel: FakePanel, panel_client: PanelClient
) -> None:
    """A panel faster than the database does not pile a whole cycle's answers up in memory:
    batches fetched (or being fetched) but not yet applied stay within the backlog."""
    config = PollerConfig(interval=60, batch_size=10, concurrency=2)
    for _ in range(200):  # 20 batches
        await add_tracked_order(db, fake_panel)
    fake_panel.requests.clear()
    waiting: list[int] = []
    applied = 0
    writer = asyncio.Lock()

    class SlowWriter(Poller):
        async def _apply_batch(self, batch: Any, *args: Any) -> None:
            nonlocal applied
            async with writer:  # one batch at a time, slower than the panel answers
                asked = sum(1 for r in fake_panel.requests if r["action"] == "status")
                waiting.append(asked - applied)  # asked for and not applied yet
                await asyncio.sleep(0.01)
                await super()._apply_batch(batch, *args)
                applied += 1

    report = await SlowWriter(db, panel_client, notices=NOTICES, config=config).poll_once()
    assert report.polled == 200 and report.requests == 20
    assert len(waiting) == 20
    assert max(waiting) <= config.concurrency * BACKLOG_FACTOR
    assert await db.fetchval("SELECT count(*) FROM orders WHERE next_poll_at = 0") == 0
