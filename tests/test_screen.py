"""Screens as real Telegram treats them (bot/handlers/screen.py): edits that change nothing,
messages that can no longer be edited, texts over Telegram's limits, a failed edit. Through
the real dispatcher; the fake Bot API refuses what the real one refuses."""

from __future__ import annotations

from bot.keyboards.catalog import CatCb, SvcCb, SvcListCb
from bot.keyboards.menu import LangCb, MenuCb
from bot.keyboards.order_dialog import OrderNavCb, OrderStartCb
from bot.keyboards.orders import OrderCb
from bot.money import to_micros
from bot.services import wallet
from tests.harness import BotHarness
from tests.helpers import (
    USER,
    add_running_order,
    answers,
    assert_answered_once,
    assert_clean,
    no_error_shown,
    shown,
)

# --------------------------------------------------------------------------- edits


async def test_pressing_the_same_screen_twice_is_not_an_error(harness: BotHarness) -> None:
    """A double tap, or the same page pressed again: the edit would change nothing, which
    real Telegram refuses with 400 "message is not modified"."""
    await harness.send("/start", USER)
    await harness.send("/language", USER)
    for data in (
        LangCb(code="en"),  # switch to the language already in use...
        LangCb(code="en"),  # ...twice (a double tap: both presses carry the old button)
        MenuCb(action="help"),
        MenuCb(action="help"),
        MenuCb(action="language"),
        MenuCb(action="language"),
        MenuCb(action="home"),
        MenuCb(action="home"),
        MenuCb(action="catalog"),
        CatCb(page=0),
        MenuCb(action="orders"),
        MenuCb(action="orders"),
        MenuCb(action="balance"),
        MenuCb(action="balance"),
    ):
        calls = await harness.press(data, USER)
        assert no_error_shown(calls), data
        assert_answered_once(harness, calls)
        assert_clean(harness, calls)


async def test_refresh_of_an_unchanged_order_card(harness: BotHarness) -> None:
    await harness.send("/start", USER)
    await wallet.top_up(harness.db, USER, to_micros(10), ref="test:seed")
    order_id = await add_running_order(harness, USER)
    await harness.press(OrderCb(action="view", order_id=order_id), USER)
    for _ in range(2):
        calls = await harness.press(OrderCb(action="refresh", order_id=order_id), USER)
        assert no_error_shown(calls)
        assert_answered_once(harness, calls)
        assert_clean(harness, calls)


async def test_stale_copy_of_a_message_edit_not_modified_is_swallowed(
    harness: BotHarness,
) -> None:
    """The callback's copy of the message may be older than what Telegram shows (two quick
    presses): the edit is tried, refused as not modified, and that is fine."""
    await harness.send("/start", USER)
    await harness.press(MenuCb(action="help"), USER)
    callback = harness.tg.make_callback(MenuCb(action="help").pack(), user_id=USER)
    callback["message"] = {**callback["message"], "text": "an older text"}
    calls = await harness.send_message(callback)
    refused = [c for c in calls if not c.ok]
    assert [c.description or "" for c in refused] and "not modified" in refused[0].description
    assert not [c for c in calls if c.method == "sendMessage"]
    assert_answered_once(harness, calls)


async def test_language_switch_to_the_current_language(harness: BotHarness) -> None:
    await harness.send("/start", USER, language_code="ru")
    await harness.send("/language", USER, language_code="ru")
    await harness.press(LangCb(code="ru"), USER, language_code="ru")
    # the second press of the same button, on the message the first one changed
    calls = await harness.press(LangCb(code="ru"), USER, language_code="ru")
    assert_answered_once(harness, calls)
    assert no_error_shown(calls) and not any("пошло не так" in (c.text or "") for c in calls)


# --------------------------------------------------------------------------- old messages


async def test_button_on_an_inaccessible_message_sends_a_fresh_one(harness: BotHarness) -> None:
    """A button under a message older than 48 hours (or deleted): the callback carries an
    InaccessibleMessage; the screen arrives as a new message."""
    await harness.send("/start", USER)
    for data, expected in (
        (MenuCb(action="help"), "How it works"),
        (MenuCb(action="home"), "Hi, Alice"),
        (MenuCb(action="language"), "Choose your language"),
        (MenuCb(action="catalog"), "categor"),
        (MenuCb(action="balance"), "balance"),
        (MenuCb(action="orders"), "order"),
    ):
        calls = await harness.press(data, USER, inaccessible=True)
        sent = [c for c in calls if c.method == "sendMessage" and c.ok]
        assert sent and expected.lower() in sent[-1].text.lower(), (data, [c.text for c in sent])
        assert_answered_once(harness, calls)
        assert_clean(harness, calls)


async def test_order_dialog_from_an_inaccessible_card(harness: BotHarness) -> None:
    await harness.send("/start", USER)
    calls = await harness.press(OrderStartCb(service_id="2"), USER, inaccessible=True)
    sent = [c for c in calls if c.method == "sendMessage" and c.ok]
    assert sent and "Step 1 of" in sent[-1].text  # the first question of the dialog
    calls = await harness.press(OrderNavCb(action="cancel"), USER, inaccessible=True)
    sent = [c for c in calls if c.method == "sendMessage" and c.ok]
    assert sent, [c.method for c in calls]
    assert_clean(harness, calls)


async def test_deleted_message_gets_a_fresh_one(harness: BotHarness) -> None:
    """The user deleted the bot's message; a button press still in flight cannot edit it."""
    await harness.send("/start", USER)
    menu_id = max(mid for (cid, mid) in harness.tg.messages if cid == USER)
    callback = harness.tg.make_callback(MenuCb(action="help").pack(), user_id=USER)
    del harness.tg.messages[(USER, menu_id)]
    calls = await harness.send_message(callback)
    sent = [c for c in calls if c.method == "sendMessage" and c.ok]
    assert sent and sent[-1].text.startswith("This shop sells")
    assert not harness.errors


# --------------------------------------------------------------------------- long texts


async def test_huge_panel_names_never_exceed_telegrams_limit(harness: BotHarness) -> None:
    """A panel may name a category or a service with kilobytes of text (emoji count twice
    in Telegram's measure): every screen that shows the name still fits 4096."""
    huge = "🔥 Best likes " * 600
    category_id = await harness.db.fetchval("SELECT category_id FROM services WHERE id = '2'")
    await harness.db.execute("UPDATE categories SET name = ? WHERE id = ?", (huge, category_id))
    await harness.db.execute("UPDATE services SET name = ? WHERE id = '2'", (huge,))
    await harness.send("/start", USER)
    for data in (
        SvcListCb(category_id=category_id),
        SvcCb(service_id="2", category_id=category_id),
        OrderStartCb(service_id="2"),
    ):
        calls = await harness.press(data, USER)
        assert shown(calls), data
        assert all(len(c.text.encode("utf-16-le")) // 2 <= 4096 for c in shown(calls))
        assert_clean(harness, calls)
    calls = await harness.send("https://instagram.com/p/abc", USER)
    calls += await harness.send("100", USER)
    assert shown(calls) and "…" in shown(calls)[-1].text
    assert_clean(harness, calls)


# --------------------------------------------------------------------------- errors


async def test_a_failed_button_tells_the_user_once(harness: BotHarness) -> None:
    """The handler fails (here Telegram answers 500 to the edit): the callback was already
    answered by the middleware, so the apology comes as a message, not a refused alert."""
    await harness.send("/start", USER)
    harness.tg.fail_next("editMessageText", 500)
    calls = await harness.press(MenuCb(action="help"), USER)
    assert [a.ok for a in answers(calls)] in ([True], [True, False])
    sent = [c.text for c in calls if c.method == "sendMessage" and c.ok]
    assert sent == ["Something went wrong on our side. Please try again in a minute."]
