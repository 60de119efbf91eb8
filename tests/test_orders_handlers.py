"""Balance, My orders and the order card through the real dispatcher."""

from __future__ import annotations

from bot.keyboards.menu import MenuCb
from bot.keyboards.orders import OrderCb
from bot.ratelimit import REFRESH_SECONDS
from bot.services import wallet
from bot.services.orders import placing
from bot.services.orders.placing import Draft
from bot.services.orders.status import set_order_status
from tests.fakes.panel import Fault
from tests.fakes.telegram import Call
from tests.harness import BotHarness

USER = 1001
OTHER = 1002
MICRO = 1_000_000


async def customer(
    h: BotHarness, user_id: int = USER, balance: int = 5 * MICRO, lang: str = "en"
) -> None:
    await h.send("/start", user_id, language_code=lang)
    await wallet.top_up(h.db, user_id, balance, ref=f"test:{user_id}")


async def place(h: BotHarness, n: int = 0, user_id: int = USER) -> placing.PlaceResult:
    link = f"https://instagram.com/p/{n}"
    draft = Draft(user_id, "2", {"link": link, "quantity": 1000}, 1000, link)
    result = await placing.place_order(
        h.db, h.panel, h.settings, h.notices, draft, f"tok-{user_id}-{n}"
    )
    assert result.outcome == "placed"
    return result


def shown(calls: list[Call]) -> Call:
    edits = [c for c in calls if c.method in {"editMessageText", "sendMessage"} and c.ok]
    assert edits, [c.method for c in calls]
    return edits[-1]


def answers(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "answerCallbackQuery"]


async def test_balance_screen(harness: BotHarness) -> None:
    await customer(harness)
    await place(harness)
    calls = await harness.press(MenuCb(action="balance"))
    text = shown(calls).text or ""
    assert "Your balance: 4.964 USD" in text
    assert "Order #1 · −0.036 USD" in text
    assert "Top-up · +5.00 USD" in text
    assert "support" in text
    assert len(answers(calls)) == 1


async def test_balance_screen_russian(harness: BotHarness) -> None:
    await customer(harness, lang="ru")
    calls = await harness.press(MenuCb(action="balance"), language_code="ru")
    text = shown(calls).text or ""
    assert "Ваш баланс: 5,00 USD" in text
    assert "Пополнение · +5,00 USD" in text


async def test_list_card_and_refresh(harness: BotHarness) -> None:
    await customer(harness)
    results = [await place(harness, n) for n in range(6)]
    calls = await harness.press(MenuCb(action="orders"))
    page = shown(calls)
    text = page.text or ""
    assert "page 1 of 2" in text
    assert "#6 · IG Likes · 🕓 Pending" in text
    assert "#1 ·" not in text
    data = [d for _, d in harness.buttons(page)]
    assert OrderCb(action="view", order_id=6, page=0).pack() in data
    assert OrderCb(action="list", page=1).pack() in data

    second = shown(await harness.press(OrderCb(action="list", page=1)))
    assert "#1 · IG Likes" in (second.text or "")
    assert OrderCb(action="view", order_id=1, page=1).pack() in [
        d for _, d in harness.buttons(second)
    ]

    card = shown(await harness.press(OrderCb(action="view", order_id=1, page=1)))
    text = card.text or ""
    assert "Order #1" in text
    assert "Service: IG Likes" in text
    assert "Link: https://instagram.com/p/0" in text
    assert "Quantity: 1,000" in text
    assert "Paid: 0.036 USD" in text
    assert "Status: 🕓 Pending" in text
    buttons = harness.buttons(card)
    assert ("🔄 Refresh", OrderCb(action="refresh", order_id=1, page=1).pack()) in buttons
    assert OrderCb(action="list", page=1).pack() in [d for _, d in buttons]
    assert MenuCb(action="home").pack() in [d for _, d in buttons]

    panel_id = results[0].panel_order_id
    assert panel_id is not None
    harness.fake_panel.set_status(panel_id, "In progress", remains=600, start_count=150)
    calls = await harness.press(OrderCb(action="refresh", order_id=1, page=1))
    text = shown(calls).text or ""
    assert "Status: 🚀 In progress" in text
    assert "Start count: 150" in text
    assert "Remains: 600" in text
    assert "▓▓▓▓░░░░░░ 40%" in text
    status_requests = [r for r in harness.fake_panel.requests if r.get("action") == "status"]
    assert status_requests == [{"action": "status", "order": panel_id}]


async def test_refresh_is_rate_limited_per_user_and_order(harness: BotHarness) -> None:
    """Ten presses of Refresh: one status request; the rest are answered from the stored
    status until REFRESH_SECONDS have passed since the last request."""
    now = [1000.0]
    harness.dp["refresh_cooldown"].clock = lambda: now[0]
    await customer(harness)
    panel_id = (await place(harness)).panel_order_id
    assert panel_id is not None
    harness.fake_panel.set_status(panel_id, "In progress", remains=600, start_count=150)

    def status_calls() -> int:
        return len([r for r in harness.fake_panel.requests if r.get("action") == "status"])

    calls = await harness.press(OrderCb(action="refresh", order_id=1))
    assert "Status: 🚀 In progress" in (shown(calls).text or "")
    for _ in range(9):
        # the stored status, the same as on the card: the card is left as it is
        calls = await harness.press(OrderCb(action="refresh", order_id=1))
        assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert status_calls() == 1
    harness.fake_panel.set_status(panel_id, "Completed", remains=0, start_count=150)
    now[0] += REFRESH_SECONDS - 0.5
    calls = await harness.press(OrderCb(action="refresh", order_id=1))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert status_calls() == 1
    now[0] += 1
    calls = await harness.press(OrderCb(action="refresh", order_id=1))
    assert status_calls() == 2
    assert "Completed" in (shown(calls).text or "")


async def test_refresh_panel_error_says_try_later(harness: BotHarness) -> None:
    await customer(harness)
    await place(harness)
    harness.fake_panel.fail(Fault.HTML_502, times=None, actions={"status"})
    calls = await harness.press(OrderCb(action="refresh", order_id=1))
    text = shown(calls).text or ""
    assert "Could not refresh the status right now" in text
    assert "Order #1" in text
    assert len(answers(calls)) == 1


async def test_forged_order_id_shows_nothing(harness: BotHarness) -> None:
    await customer(harness)
    await customer(harness, OTHER)
    await place(harness)
    for action in ("view", "refresh"):
        calls = await harness.press(OrderCb(action=action, order_id=1), user_id=OTHER)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert calls[0].params.get("text") == "Order not found."
    assert not [r for r in harness.fake_panel.requests if r.get("action") == "status"]
    # the owner still sees it
    assert "Order #1" in (shown(await harness.press(OrderCb(action="view", order_id=1))).text or "")


async def test_empty_list_offers_catalog(harness: BotHarness) -> None:
    await customer(harness)
    page = shown(await harness.press(MenuCb(action="orders")))
    assert "no orders yet" in (page.text or "")
    assert MenuCb(action="catalog").pack() in [d for _, d in harness.buttons(page)]


async def test_restart_turns_submitting_into_unknown(harness: BotHarness) -> None:
    await customer(harness)
    async with harness.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, quantity, charge,"
            " status_changed_at, created_at, updated_at)"
            " VALUES (?, '2', 'cut', 'submitting', 1000, 36000, 0, 0, 0)",
            (USER,),
        )
    await harness.restart()
    assert await harness.db.fetchval("SELECT status FROM orders") == "unknown"
    card = shown(await harness.press(OrderCb(action="view", order_id=1)))
    assert "Being checked" in (card.text or "")
    assert not [d for _, d in harness.buttons(card) if d.startswith("o:refresh")]


async def test_card_offers_cancel_and_refill_where_allowed(harness: BotHarness) -> None:
    """Through the dispatcher: Cancel on an open order of a service with cancel, Refill on a
    completed one with refill; pressing Cancel (confirmed) reaches the panel once, a second
    press says it is in progress, and another user's order offers nothing."""
    from bot.keyboards.order_requests import OrderRequestCb

    await customer(harness, balance=50 * MICRO)
    link = "https://t.me/channel/5"
    draft = Draft(USER, "17", {"link": link, "quantity": 100}, 100, link)  # cancel + refill
    placed = await placing.place_order(
        harness.db, harness.panel, harness.settings, harness.notices, draft, "t17"
    )
    assert placed.outcome == "placed" and placed.order_id is not None
    order_id = placed.order_id

    card = shown(await harness.press(OrderCb(action="view", order_id=order_id)))
    data = [d for _, d in harness.buttons(card)]
    assert OrderCb(action="cancel", order_id=order_id).pack() in data
    assert OrderCb(action="refill", order_id=order_id).pack() not in data  # not completed

    ask = shown(await harness.press(OrderCb(action="cancel", order_id=order_id)))
    assert f"Cancel order #{order_id}?" in (ask.text or "")
    done = await harness.press(OrderRequestCb(action="cancel_yes", order_id=order_id))
    assert any(f"Cancellation requested for order #{order_id}" in (c.text or "") for c in done)
    assert harness.fake_panel.cancels == [placed.panel_order_id]
    again = await harness.press(OrderRequestCb(action="cancel_yes", order_id=order_id))
    assert any("already in progress" in (c.text or "") for c in again)
    assert harness.fake_panel.cancels == [placed.panel_order_id]

    async with harness.db.transaction() as conn:
        await set_order_status(conn, order_id, "completed")
    card = shown(await harness.press(OrderCb(action="view", order_id=order_id)))
    data = [d for _, d in harness.buttons(card)]
    assert OrderCb(action="refill", order_id=order_id).pack() in data
    assert OrderCb(action="cancel", order_id=order_id).pack() not in data

    await customer(harness, OTHER)
    forged = await harness.press(OrderCb(action="refill", order_id=order_id), OTHER)
    assert not [c for c in forged if c.method in {"editMessageText", "sendMessage"}]
    assert harness.fake_panel.refills == {}
