"""What real Telegram, real users and real operators do to the bot: a callback answered
once, edits that change nothing, messages that can no longer be edited, forged buttons,
texts over Telegram's limits, odd messages and users. Everything through the real
dispatcher; the fake Bot API refuses what the real one refuses."""

from __future__ import annotations

import time
from pathlib import Path

from bot.keyboards.admin import AdminCb
from bot.keyboards.catalog import CatCb, SvcCb, SvcListCb
from bot.keyboards.menu import LangCb, MenuCb
from bot.keyboards.order_dialog import OrderNavCb, OrderStartCb
from bot.keyboards.orders import OrderCb
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
    """A placed order the fake panel knows, its charge taken from the wallet."""
    panel_id = h.fake_panel.add_order("2", link="https://instagram.com/p/x", quantity="100").id
    now = int(time.time())
    async with h.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO orders (user_id, service_id, confirm_token, status, panel_order_id,"
            " link, quantity, charge, status_changed_at, created_at, updated_at)"
            " VALUES (?, '2', hex(randomblob(6)), ?, ?, 'https://instagram.com/p/x',"
            " 100, ?, ?, ?, ?)",
            (user_id, status, panel_id, to_micros(5), now, now, now),
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


# --------------------------------------------------------------------------- edits


def no_error_shown(calls: list[Call]) -> bool:
    return not any("went wrong" in (c.text or "") for c in calls)


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
    order_id = await add_order(harness, USER)
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


# --------------------------------------------------------------------------- forged buttons

HUGE = "99999999999999999999"
FORGED = [
    *(f"o:{action}:{HUGE}:0" for action in ("view", "refresh", "refill", "cancel")),
    f"o:list:0:{HUGE}", "o:view:-5:0", "o:view:abc:0", "o:view", "o:", "o:list:0:-3",
    f"tr:cancel_yes:{HUGE}", "tr:cancel_yes", "tr:x",
    f"cat:{HUGE}", "cat:-1", f"cs:{HUGE}:0", f"cs:1:{HUGE}", "cs:x:0",
    f"sv:2:{HUGE}:0:0", "sv:2:0:0:2", "sv", f"sp:{HUGE}", "sp:x",
    "buy", "buy:", f"buy:{HUGE}", "od:zzz", f"odl:{HUGE}", "odl:-5", "odc:", "odc:xx",
    "m:zzz", "m", "lang:", "lang", "lang:de", "cnop:1", "garbage", "x" * 64, "😀",
    f"adm:ban:{HUGE}", "adm:refund:1",
]  # fmt: skip


async def test_forged_callback_data_never_crashes(harness: BotHarness) -> None:
    """Every press is answered exactly once, at most with a short alert; no update fails
    (a number over SQLite's 64 bits used to raise OverflowError: "Something went wrong")."""
    harness.dp["flood"].limit = 10**9  # dozens of presses at once: not a flood test
    await harness.send("/start", USER)
    other = USER + 1
    await harness.send("/start", other)
    await wallet.top_up(harness.db, other, to_micros(10), ref="test:other")
    other_order = await add_order(harness, other)
    await harness.send("/start", USER)
    forged = [
        *FORGED,
        *(f"o:{a}:{other_order}:0" for a in ("view", "refresh", "refill", "cancel")),
        f"tr:cancel_yes:{other_order}",
    ]
    for data in forged:
        calls = await harness.press(data, USER)
        assert_answered_once(harness, calls)
        [answer] = answers(calls)
        assert len(answer.params.get("text") or "") <= 200
        assert no_error_shown(calls), data
        assert not any(str(other_order) in (c.text or "") for c in shown(calls)), data
    orders = await harness.db.fetchall("SELECT status FROM orders WHERE id = ?", (other_order,))
    assert [tuple(r) for r in orders] == [("in_progress",)]


async def test_dead_button_says_so(harness: BotHarness) -> None:
    await harness.send("/start", USER)
    calls = await harness.press("m:zzz", USER)
    [answer] = answers(calls)
    assert answer.params["text"].startswith("This button no longer works")
    assert answer.params.get("show_alert") is True
    calls = await harness.press("m:zzz", USER, language_code="ru")
    assert answers(calls)[0].params["text"].startswith("Эта кнопка")


async def test_admin_forged_huge_id_is_ignored(harness: BotHarness) -> None:
    calls = await harness.press(f"adm:ban:{HUGE}", 777, chat_id=ADMIN_CHAT)
    assert not harness.errors
    assert not [c for c in calls if c.method == "sendMessage"]


# --------------------------------------------------------------------------- odd messages


async def test_operator_commands_in_private_look_like_any_unknown_command(
    harness: BotHarness,
) -> None:
    await harness.send("/start", USER)
    unknown = shown(await harness.send("/foo", USER))
    assert [c.text for c in unknown] and unknown[0].text.startswith("Sorry, I did not")
    for command in ("/stats", "/credit 1001 5", "/user 1001", "/broadcast", "/maintenance on"):
        for user_id in (USER, 777):  # even an operator, in private
            calls = shown(await harness.send(command, user_id))
            assert [c.text for c in calls] == [c.text for c in unknown], command
    assert await harness.db.fetchval("SELECT COUNT(*) FROM ledger WHERE kind = 'credit'") == 0


async def test_stickers_photos_and_voice_get_a_hint(harness: BotHarness) -> None:
    await harness.send("/start", USER, username=None)
    base = harness.tg.make_message("", user_id=USER, username=None)
    del base["text"]
    for extra in (
        {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 512,
                     "height": 512, "is_animated": False, "is_video": False}},
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
         "caption": "likes"},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
    ):  # fmt: skip
        calls = await harness.send_message({**base, **extra})
        [reply] = shown(calls)
        assert reply.text.startswith("Sorry, I did not understand")
        assert_clean(harness, calls)


async def test_commands_with_the_bot_name_and_deep_links(harness: BotHarness) -> None:
    for text in ("/start@test_shop_bot", "/start ref_12345", "/help@test_shop_bot"):
        calls = await harness.send(text, USER)
        assert shown(calls), text
        assert not shown(calls)[-1].text.startswith("Sorry"), text
    # addressed to another bot: not our /start, an unknown command
    assert shown(await harness.send("/start@other_bot", USER))[-1].text.startswith("Sorry")
    for code, greeting in (("pt-br", "Hi,"), ("ru-RU", "Здравствуйте"), (None, "Hi,")):
        calls = await harness.send("/start", USER + 10, language_code=code, username=None)
        assert shown(calls)[-1].text.startswith(greeting), code


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


# --------------------------------------------------------------------------- texts

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def test_one_word_for_the_money_and_for_order_numbers() -> None:
    """The menu says "Balance": texts say balance, never wallet; Russian numbers orders
    with «№», never "#"."""
    for path in LOCALES.glob("*/*.ftl"):
        text = path.read_text(encoding="utf-8").lower()
        assert "wallet" not in text and "кошел" not in text, path
    for path in (LOCALES / "ru").glob("*.ftl"):
        assert "#{ $order_id }" not in path.read_text(encoding="utf-8"), path


async def test_russian_plurals_follow_the_number(harness: BotHarness) -> None:
    core = harness.core
    assert "на 1 год вперёд" in core.get("order-error-expiry-far", "ru", years=1)
    assert "на 3 года вперёд" in core.get("order-error-expiry-far", "ru", years=3)
    assert "на 10 лет вперёд" in core.get("order-error-expiry-far", "ru", years=10)
    assert "at most 1 year from" in core.get("order-error-expiry-far", "en", years=1)
    assert "не больше 21 символа" in core.get("order-error-too-long", "ru", max=21)
    assert "не больше 500 символов" in core.get("order-error-too-long", "ru", max=500)
    params = {"order_id": 5, "panel_order_id": "9", "error": "x"}
    assert "3 раза подряд" in core.get("track-alert-order-errors", "ru", count=3, **params)
    assert "5 раз подряд" in core.get("track-alert-order-errors", "ru", count=5, **params)
