"""What a customer reads when the panel says no: a reason from a fixed set, never the
panel's own words (Cloudflare pages naming the upstream panel, "Invalid API key", the key
echoed back); operators get the panel's text, cleaned. And an answer with an order id and
an error at once is an order, never a refund."""

from __future__ import annotations

import pytest

from tests.conftest import add_user
from tests.fakes.panel import Fault
from tests.harness import ADMIN_CHAT, BotHarness
from tests.test_order_dialog import LINK, USER, confirm_data, text_of, walk_to_summary


@pytest.fixture
async def h(harness: BotHarness) -> BotHarness:
    await add_user(harness.db, USER, balance=100_000_000)
    return harness


async def _confirm(h: BotHarness) -> str:
    calls = await walk_to_summary(h, "2", [LINK, "1000"])
    return text_of(await h.press(confirm_data(h, calls)))


async def test_rate_limited_twice_says_the_provider_is_busy(h: BotHarness) -> None:
    h.fake_panel.retry_after = "0"
    h.fake_panel.fail(Fault.RATE_LIMIT, times=2, actions={"add"})
    text = await _confirm(h)
    assert "busy" in text and "try again in a minute" in text, text
    assert "no reason" not in text
    assert await h.db.fetchval("SELECT balance FROM users WHERE id = ?", (USER,)) == 100_000_000


@pytest.mark.parametrize(
    "body",
    [
        '{"error": "Invalid API key"}',
        '{"error": "Incorrect request: key=%KEY% action=add"}',
        "<html><head><title>upstream-panel.example | 403 Forbidden</title></head>"
        "<body>cloudflare %KEY%</body></html>",
    ],
    ids=["invalid-key", "echoed-key", "cloudflare-page"],
)
async def test_customer_never_sees_the_panel_text(h: BotHarness, body: str) -> None:
    key = h.fake_panel.key
    h.fake_panel.raw_answer(
        403 if body.startswith("<") else 200,
        body.replace("%KEY%", key),
        content_type="text/html" if body.startswith("<") else "application/json",
        process=False,
        actions={"add"},
    )
    text = await _confirm(h)
    for leak in ("Invalid API key", "upstream-panel", "cloudflare", "Incorrect request", key):
        assert leak not in text, text
    everything = " ".join(c.text or "" for c in h.tg.calls)
    assert key not in everything
    error = await h.db.fetchval("SELECT error FROM orders") or ""
    assert key not in error and "<html" not in error


async def test_order_id_with_an_error_is_an_order_and_operators_are_told(h: BotHarness) -> None:
    h.fake_panel.raw_answer(
        200, '{"order": 99001, "error": "Link duplicate"}', process=False, actions={"add"}
    )
    text = await _confirm(h)
    assert "is placed" in text, text
    row = await h.db.fetchone("SELECT status, panel_order_id, refunded FROM orders")
    assert row is not None
    assert (row["status"], row["panel_order_id"], row["refunded"]) == ("pending", "99001", 0)
    alert = await h.db.fetchone(
        "SELECT key, params FROM outbox WHERE chat_id = ? AND key = 'alert-order-warning'",
        (ADMIN_CHAT,),
    )
    assert alert is not None and "Link duplicate" in alert["params"]
