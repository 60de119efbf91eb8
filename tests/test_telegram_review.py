"""What real Telegram, real users and real operators do to the bot: a callback answered
once, edits that change nothing, messages that can no longer be edited, forged buttons,
texts over Telegram's limits, odd messages and users. Everything through the real
dispatcher; the fake Bot API refuses what the real one refuses."""

from __future__ import annotations

import time

from bot.keyboards.admin import AdminCb
from bot.keyboards.catalog import SvcCb
from bot.money import to_micros
from bot.services import wallet
from tests.conftest import add_user
from tests.fakes.telegram import Call
from tests.harness import ADMIN_CHAT, BotHarness

USER = 1001


def answers(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "answerCallbackQuery"]


def shown(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method in {"sendMessage", "editMessageText"} and c.ok]


def assert_clean(h: BotHarness, calls: list[Call]) -> None:
    """No update failed and Telegram refused nothing."""
    assert not h.errors, h.errors
    refused = [(c.method, c.description) for c in calls if not c.ok]
    assert not refused, refused


def assert_answered_once(h: BotHarness, calls: list[Call]) -> None:
    [answer] = answers(calls)
    assert answer.ok, answer.description
    assert not h.errors, h.errors


async def add_order(h: BotHarness, user_id: int, *, status: str = "in_progress") -> int:
    now = int(time.time())
    async with h.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " link, quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, '2', hex(randomblob(6)), ?, '777001', 'https://instagram.com/p/x',"
            " 100, ?, ?, ?, ?)",
            (user_id, status, to_micros(5), now, now, now),
        )
        order_id = int(cursor.lastrowid or 0)
        await wallet.apply(
            conn, user_id, -to_micros(5), kind="charge", ref=f"order:{order_id}:charge",
            order_id=order_id,
        )  # fmt: skip
    return order_id


# --------------------------------------------------------------------------- answered once


async def test_gone_service_alert_is_the_only_answer(harness: BotHarness) -> None:
    await harness.send("/start", USER)
    calls = await harness.press(SvcCb(service_id="999999"), USER)
    [answer] = answers(calls)
    assert answer.ok and answer.params.get("show_alert") is True
    assert answer.params["text"]
    assert_clean(harness, calls)


async def test_admin_buttons_answer_each_press_once(harness: BotHarness) -> None:
    await add_user(harness.db, USER, balance=to_micros(20), username="bob")
    order_id = await add_order(harness, USER)
    await harness.admin(f"/order {order_id}")
    for action in ("refund", "refund", "renotify", "refresh", "placed", "notplaced"):
        calls = await harness.press(AdminCb(action=action, id=order_id), 777, chat_id=ADMIN_CHAT)
        assert_answered_once(harness, calls)
    await harness.admin(f"/user {USER}")
    for action in ("credit", "debit", "ban", "unban"):
        calls = await harness.press(AdminCb(action=action, id=USER), 777, chat_id=ADMIN_CHAT)
        assert_answered_once(harness, calls)
