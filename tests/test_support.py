"""/paysupport and the Support buttons through the real dispatcher: the customer's message
reaches the operators' group with who they are and their payments; an operator's reply to
it reaches the customer, also after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.keyboards.payments import SupportCb
from bot.services import support
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import Call, FakeTelegram
from tests.harness import ADMIN_CHAT, ADMIN_USER, BotHarness
from tests.payments_shop import (
    MICRO,
    USER,
    customer,
    pay_stars,
    payments_harness,
    shown,
    stars_invoice,
)


@pytest.fixture
async def shop(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    h = payments_harness(
        tmp_path, fake_tg, fake_panel, support_contact="@shop_help", database=database_target
    )
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


def to_group(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.chat_id == ADMIN_CHAT and c.ok]


async def test_paysupport_passes_one_message_and_the_reply_comes_back(shop: BotHarness) -> None:
    await customer(shop)
    await stars_invoice(shop, 5 * MICRO)
    await pay_stars(shop)
    intro = shown(await shop.send("/paysupport"))
    assert "Help with payments" in (intro.text or "")
    assert "You can also write to @shop_help." in (intro.text or "")

    calls = await shop.send("Where is my second top-up?")
    [posted] = to_group(calls)
    text = posted.text or ""
    assert "Support request #1 (payments)" in text
    assert f"(id {USER})" in text and "balance 5.00 USD" in text
    assert "385 ⭐ → 5.00 USD · paid" in text  # the recent payment, for the operators
    assert text.endswith("Where is my second top-up?")
    assert "Sent to the operators" in (shown(calls).text or "")

    # the next message is an ordinary one again (one message per /paysupport)
    calls = await shop.send("hello")
    assert to_group(calls) == []

    # an operator's reply, after a restart: still finds its way
    await shop.restart()
    reply_id = posted.result["message_id"]
    calls = await shop.send(
        "It is on its way.", ADMIN_USER, chat_id=ADMIN_CHAT, chat_type="supergroup",
        reply_to=reply_id,
    )  # fmt: skip
    delivered = [c for c in calls if c.chat_id == USER and c.method == "sendMessage"]
    assert [c.text for c in delivered] == ["💬 Answer from support:\n\nIt is on its way."]
    assert "Sent to user 1001" in (to_group(calls)[-1].text or "")
    replies = await shop.db.fetchval("SELECT replies FROM support_requests WHERE id = 1")
    assert replies == 1


async def test_a_screenshot_is_copied_and_a_reply_to_it_works_too(shop: BotHarness) -> None:
    await customer(shop, lang="ru")
    await shop.press(SupportCb(topic="general"), language_code="ru")
    photo = shop.tg.make_message("", user_id=USER, language_code="ru")
    del photo["text"]
    photo["photo"] = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    calls = await shop.send_message(photo)
    posted = to_group(calls)
    assert [c.method for c in posted] == ["sendMessage", "copyMessage"]
    assert "Support request #1 (general)" in (posted[0].text or "")  # operators' language
    assert "Передал операторам" in (shown(calls).text or "")
    copy_id = posted[1].result["message_id"]
    calls = await shop.send(
        "Got it", ADMIN_USER, chat_id=ADMIN_CHAT, chat_type="supergroup", reply_to=copy_id
    )
    delivered = [c for c in calls if c.chat_id == USER]
    assert [c.text for c in delivered] == ["💬 Ответ поддержки:\n\nGot it"]


async def test_replies_to_other_messages_and_commands_are_left_alone(shop: BotHarness) -> None:
    await customer(shop)
    note = await shop.admin("/help")
    calls = await shop.send(
        "just chatting", ADMIN_USER, chat_id=ADMIN_CHAT, chat_type="supergroup",
        reply_to=note[-1].result["message_id"],
    )  # fmt: skip
    assert [c for c in calls if c.method == "sendMessage"] == []


async def test_a_customer_who_blocked_the_bot_is_reported(shop: BotHarness) -> None:
    await customer(shop)
    await shop.send("/paysupport")
    [posted] = to_group(await shop.send("help"))
    shop.tg.blocked_chats.add(USER)
    calls = await shop.send(
        "answer", ADMIN_USER, chat_id=ADMIN_CHAT, chat_type="supergroup",
        reply_to=posted.result["message_id"],
    )  # fmt: skip
    assert "the customer has blocked the bot" in (to_group(calls)[-1].text or "")
    assert await shop.db.fetchval("SELECT is_blocked FROM users WHERE id = ?", (USER,)) == 1


async def test_commands_during_the_dialog_and_the_hourly_limit(shop: BotHarness) -> None:
    await customer(shop)
    await shop.send("/paysupport")
    assert "not a command" in (shown(await shop.send("/whatever")).text or "")
    calls = await shop.send("/cancel")  # /cancel ends it, nothing is posted
    assert to_group(calls) == []
    for n in range(support.MAX_PER_HOUR):
        await shop.send("/paysupport")
        assert len(to_group(await shop.send(f"message {n}"))) == 1
    text = shown(await shop.send("/paysupport")).text or ""
    assert "several times in the last hour" in text
    assert to_group(await shop.send("one more")) == []
