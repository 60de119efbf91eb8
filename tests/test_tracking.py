"""The poller against the fake panel: statuses, exact refunds, notifications, back-off."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.db import Database
from bot.money import format_amount, localize_params
from bot.panel import PanelClient
from bot.services import wallet
from bot.services.orders.poller import Poller, PollerConfig
from bot.services.orders.status import partial_refund
from tests.conftest import ADMIN_CHAT, add_user, make_notices
from tests.fakes.panel import FakePanel, Fault

USER = 1001
CHARGE = 1_000_000  # 1.00 for 1000 units


def card(order_id: int) -> str:
    return f"o:view:{order_id}:0"


@pytest.fixture
async def fake() -> AsyncIterator[FakePanel]:
    async with FakePanel() as panel:
        yield panel


@pytest.fixture
async def client(fake: FakePanel) -> AsyncIterator[PanelClient]:
    async with PanelClient(fake.url, fake.key, retries=0, read_timeout=2) as c:
        yield c


@pytest.fixture
async def poller(db: Database, client: PanelClient) -> Poller:
    await add_user(db, USER)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO categories (id, name) VALUES (1, 'IG')")
        for sid, refill, cancel in (("2", 0, 0), ("17", 1, 1)):
            await conn.execute(
                "INSERT INTO services (id, category_id, name, type, kind, rate, min_qty, max_qty,"
                " refill, cancel, updated_at) VALUES (?, 1, ?, 'Default', 'default', 1000000,"
                " 10, 100000, ?, ?, 0)",
                (sid, f"Service {sid}", refill, cancel),
            )
    return Poller(
        db,
        client,
        notices=make_notices(ADMIN_CHAT, order_button=card),
        config=PollerConfig(interval=60),
    )


async def place(
    db: Database, fake: FakePanel, *, service: str = "2", quantity: int = 1000,
    charge: int = CHARGE, status: str = "pending",
) -> tuple[int, str]:  # fmt: skip
    panel_order = fake.add_order(service, link="https://x", quantity=str(quantity))
    panel_order.quantity = quantity
    panel_order.remains = quantity
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, ?, hex(randomblob(8)), ?, ?, ?, ?, 0, 0, 0)",
            (USER, service, status, panel_order.id, quantity, charge),
        )
        order_id = int(cursor.lastrowid or 0)
        await wallet.apply(conn, USER, 0, kind="charge", ref=f"order:{order_id}:noop")
    return order_id, panel_order.id


async def order(db: Database, order_id: int) -> dict[str, object]:
    row = await db.fetchone("SELECT * FROM orders WHERE id = ?", (order_id,))
    assert row is not None
    return dict(row)


async def outbox_rows(db: Database, chat_id: int | None = None) -> list[dict[str, object]]:
    rows = await db.fetchall("SELECT * FROM outbox ORDER BY id")
    return [dict(r) for r in rows if chat_id is None or r["chat_id"] == chat_id]


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


async def test_lifecycle_to_completed(db: Database, fake: FakePanel, poller: Poller) -> None:
    oid, pid = await place(db, fake)
    report = await poller.poll_once()
    assert (report.polled, report.requests, report.changed) == (1, 1, 0)
    assert await outbox_rows(db) == []
    fake.set_status(pid, "In progress", start_count=100, remains=400)
    await due_all(db)
    await poller.poll_once()
    row = await order(db, oid)
    assert (row["status"], row["remains"], row["start_count"]) == ("in_progress", 400, 100)
    fake.set_status(pid, "Processing")
    await due_all(db)
    await poller.poll_once()
    fake.set_status(pid, "COMPLETED", remains=0)
    await due_all(db)
    await poller.poll_once()
    assert (await order(db, oid))["status"] == "completed"
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
    db: Database, fake: FakePanel, poller: Poller, remains: int, expected: int
) -> None:
    oid, pid = await place(db, fake, status="in_progress")
    fake.set_status(pid, "Partial", remains=remains)
    for _ in range(3):  # repeated polls and a fresh poller (restart): one refund
        await due_all(db)
        await poller.poll_once()
    again = Poller(db, poller.panel, notices=make_notices(ADMIN_CHAT, order_button=card))
    await due_all(db)
    await again.poll_once()
    row = await order(db, oid)
    assert row["status"] == "partial" and row["refunded"] == expected
    ref = f"order:{oid}:refund" if expected == CHARGE else f"order:{oid}:refund:part:0"
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
    db: Database, fake: FakePanel, poller: Poller, raw: str, state: str
) -> None:
    oid, pid = await place(db, fake)
    fake.set_status(pid, raw)
    await poller.poll_once()
    await due_all(db)
    await poller.poll_once()
    row = await order(db, oid)
    assert (row["status"], row["refunded"]) == (state, CHARGE)
    assert await refunds(db) == [(f"order:{oid}:refund", CHARGE)]
    assert [n["key"] for n in await outbox_rows(db, USER)] == [f"track-{state}"]


async def test_every_status_spelling_maps(db: Database, fake: FakePanel, poller: Poller) -> None:
    cases = {
        "Pending": "pending", "In progress": "in_progress", "In Progress": "in_progress",
        "In progess": "in_progress", "processing": "processing", "Active": "active",
        "Completed": "completed", "Partial": "partial", "Fail": "error", "Error": "error",
    }  # fmt: skip
    ids = {}
    for raw in cases:
        oid, pid = await place(db, fake, quantity=100)
        fake.set_status(pid, raw, remains=10)
        ids[raw] = oid
    oid_unknown, pid_unknown = await place(db, fake)
    fake.set_status(pid_unknown, "Strange new status")
    await poller.poll_once()
    for raw, state in cases.items():
        assert (await order(db, ids[raw]))["status"] == state, raw
    assert (await order(db, oid_unknown))["status"] == "pending"
    alerts = [r["key"] for r in await outbox_rows(db, ADMIN_CHAT)]
    assert alerts == ["track-alert-order-failed", "track-alert-order-failed"]


async def test_restart_between_change_and_notification(
    db: Database, fake: FakePanel, poller: Poller, tmp_path: object
) -> None:
    oid, pid = await place(db, fake)
    fake.set_status(pid, "Canceled")
    await poller.poll_once()
    # "crash": reopen the database; the notification row was committed with the change
    path = db.path
    await db.close()
    reopened = Database(path)
    await reopened.connect()
    try:
        rows = await reopened.fetchall("SELECT key, status FROM outbox WHERE chat_id = ?", (USER,))
        assert [tuple(r) for r in rows] == [("track-canceled", "queued")]
        assert await reopened.fetchval("SELECT refunded FROM orders WHERE id = ?", (oid,)) == CHARGE
    finally:
        await reopened.close()
        await db.connect()


async def test_per_id_errors_back_off_and_flag(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    good, good_pid = await place(db, fake)
    bad, bad_pid = await place(db, fake)
    del fake.orders[bad_pid]  # the panel no longer knows it: "Incorrect order ID"
    fake.set_status(good_pid, "In progress")
    now = 1_000_000
    report = await poller.poll_once(now)
    assert report.errors == 1 and report.changed == 1
    assert (await order(db, good))["status"] == "in_progress"
    row = await order(db, bad)
    assert row["poll_errors"] == 1 and row["next_poll_at"] == now + 120
    for i in range(2, 7):
        await due_all(db)
        await poller.poll_once(now + i)
    row = await order(db, bad)
    assert row["poll_errors"] == 6 and row["status"] == "pending"
    alerts = await outbox_rows(db, ADMIN_CHAT)
    assert [a["key"] for a in alerts] == ["track-alert-order-errors"]  # once, dedup'd
    assert "Incorrect order ID" in json.loads(str(alerts[0]["params"]))["error"]


async def test_panel_down_one_alert_backoff_and_back(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    oid, pid = await place(db, fake)
    fake.fail(Fault.HTML_502, times=None)
    for i in range(4):
        await due_all(db)
        report = await poller.poll_once(1_000_000 + i * 60)
        assert report.panel_down
    assert poller.down_streak == 4
    assert [a["key"] for a in await outbox_rows(db, ADMIN_CHAT)] == ["track-alert-panel-down"]
    fake.fail(Fault.NONE)
    fake.set_status(pid, "In progress")
    await due_all(db)
    report = await poller.poll_once(1_000_000 + 600)
    assert not report.panel_down and poller.down_streak == 0
    assert (await order(db, oid))["status"] == "in_progress"
    keys = [a["key"] for a in await outbox_rows(db, ADMIN_CHAT)]
    assert keys == ["track-alert-panel-down", "track-alert-panel-back"]
    await due_all(db)
    await poller.poll_once(1_000_000 + 700)
    assert len(await outbox_rows(db, ADMIN_CHAT)) == 2


async def test_unchanged_orders_are_polled_less_often(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    fresh, _ = await place(db, fake)
    old, _ = await place(db, fake)
    ancient, _ = await place(db, fake)
    now = 10_000_000
    await db.execute("UPDATE orders SET status_changed_at = ?", (now,))
    await db.execute("UPDATE orders SET status_changed_at = ? WHERE id = ?", (now - 7200, old))
    await db.execute(
        "UPDATE orders SET status_changed_at = ? WHERE id = ?", (now - 2 * 86400, ancient)
    )
    await poller.poll_once(now)
    assert (await order(db, fresh))["next_poll_at"] == now + 60
    assert (await order(db, old))["next_poll_at"] == now + 300
    assert (await order(db, ancient))["next_poll_at"] == now + 1800


async def test_batches_of_100(db: Database, fake: FakePanel, poller: Poller) -> None:
    for _ in range(250):
        await place(db, fake)
    fake.requests.clear()
    report = await poller.poll_once()
    assert report.requests == 3
    sizes = sorted(len(r["orders"].split(",")) for r in fake.requests if r["action"] == "status")
    assert sizes == [50, 100, 100]


async def test_status_change_stores_what_the_panel_charged(
    db: Database, fake: FakePanel, poller: Poller
) -> None:
    """A Partial's charge is what the panel kept: the cost behind /stats follows it."""
    from decimal import Decimal

    oid, pid = await place(db, fake, status="in_progress")
    fake.orders[pid].charge = Decimal("0.0270")
    fake.set_status(pid, "Partial", remains=250)
    await due_all(db)
    await poller.poll_once()
    assert (await order(db, oid))["cost"] == 27_000
