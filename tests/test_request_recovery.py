"""A refill or cancel request cut off between being opened and the panel's answer (the
process died: the row is still `sending`) is closed at the next start, so the order takes a
new request; the operators hear of it once (issue 9, item 3). Through the real dispatcher."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.keyboards.order_dialog import OrderStartCb
from bot.keyboards.orders import OrderCb
from tests.conftest import add_user
from tests.harness import ADMIN_CHAT, BotHarness

USER = 1001
LINK = "https://instagram.com/p/abc"


@pytest.fixture
async def h(harness: BotHarness) -> BotHarness:
    await add_user(harness.db, USER, balance=100_000_000)
    return harness


async def completed_order(h: BotHarness) -> int:
    """Service 3 (a package with refill), placed through the dialog and completed."""
    await h.press(OrderStartCb(service_id="3"))
    calls = await h.send(LINK)
    confirm = next(d for c in calls for _, d in h.buttons(c) if d.startswith("odc:"))
    await h.press(confirm)
    order_id = int(await h.db.fetchval("SELECT id FROM orders WHERE user_id = ?", (USER,)))
    await h.db.execute("UPDATE orders SET status = 'completed' WHERE id = ?", (order_id,))
    return order_id


async def cut_off_request(h: BotHarness, order_id: int, kind: str) -> None:
    """What requests._open leaves when the process dies before the panel answers."""
    now = int(time.time())
    await h.db.execute(
        "INSERT INTO order_requests (order_id, user_id, kind, status, active, created_at,"
        " updated_at) VALUES (?, ?, ?, 'sending', 1, ?, ?)",
        (order_id, USER, kind, now, now),
    )


def refills(h: BotHarness) -> int:
    return len([r for r in h.fake_panel.requests if r.get("action") == "refill"])


async def test_a_request_left_sending_is_closed_at_start_up(
    h: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    order_id = await completed_order(h)
    await cut_off_request(h, order_id, "refill")
    calls = await h.press(OrderCb(action="refill", order_id=order_id))
    assert "already in progress" in (h.texts(calls) or [""])[-1]  # before the restart

    with caplog.at_level(logging.WARNING):
        await h.restart()
        await h.restart()  # a second start finds nothing more to do
    row = await h.db.fetchone("SELECT status, active, panel_message FROM order_requests")
    assert row is not None
    assert (row["status"], row["active"]) == ("unknown", 0)
    assert "interrupted" in row["panel_message"]
    alerts = await h.db.fetchall(
        "SELECT params FROM outbox WHERE chat_id = ? AND key = 'track-alert-request-interrupted'",
        (ADMIN_CHAT,),
    )
    assert len(alerts) == 1 and f'"order_id": "{order_id}"' in alerts[0]["params"]
    said = [r.getMessage() for r in caplog.records if "left sending" in r.getMessage()]
    assert len(said) == 1 and "1 refill/cancel request(s)" in said[0]

    before = refills(h)
    calls = await h.press(OrderCb(action="refill", order_id=order_id))
    assert refills(h) == before + 1  # the customer could ask again, and the panel was asked
    text = h.texts(calls)[-1]
    assert "already in progress" not in text
    assert f"Refill requested for order #{order_id}" in text
    assert h.errors == []


async def test_the_operators_alert_reads_in_their_language(h: BotHarness) -> None:
    order_id = await completed_order(h)
    await cut_off_request(h, order_id, "cancel")
    await h.restart()
    params = await h.db.fetchval(
        "SELECT params FROM outbox WHERE key = 'track-alert-request-interrupted'"
    )
    text = h.core.get("track-alert-request-interrupted", "ru", **json.loads(params))
    assert f"Запрос на отмену по заказу №{order_id}" in text
    text = h.core.get("track-alert-request-interrupted", "en", **json.loads(params))
    assert f"A cancel request for order #{order_id}" in text
