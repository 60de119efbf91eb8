from __future__ import annotations

from bot.keyboards.menu import LangCb
from bot.services import users
from tests.harness import BotHarness
from tests.helpers import USER, assert_clean, shown


async def test_start_answers_in_telegram_language(harness: BotHarness) -> None:
    calls = await harness.send("/start", 1001, language_code="en")
    assert [c.method for c in calls if c.method == "sendMessage"] == ["sendMessage"]
    assert calls[-1].text.startswith("Hi, Alice!")
    buttons = [text for text, _ in harness.buttons(calls[-1])]
    assert "🛍 Catalog" in buttons and "💰 Balance" in buttons

    calls = await harness.send("/start", 1002, language_code="ru")
    assert calls[-1].text.startswith("Здравствуйте, Alice!")
    assert "🛍 Каталог" in [text for text, _ in harness.buttons(calls[-1])]


async def test_unknown_language_falls_back_to_default(harness: BotHarness) -> None:
    calls = await harness.send("/start", 1003, language_code="de")
    assert calls[-1].text.startswith("Hi,")
    calls = await harness.send("/start", 1004, language_code=None)
    assert calls[-1].text.startswith("Hi,")


async def test_language_switch_is_remembered_across_restart(harness: BotHarness) -> None:
    calls = await harness.send("/language", 1001, language_code="en")
    assert calls[-1].text == "Choose your language:"
    assert ("🇷🇺 Русский", LangCb(code="ru").pack()) in harness.buttons(calls[-1])

    calls = await harness.press(LangCb(code="ru"), 1001)
    edits = [c for c in calls if c.method == "editMessageText"]
    assert edits and edits[-1].text == "Готово, теперь я говорю по-русски."
    assert any(c.method == "answerCallbackQuery" for c in calls)
    user = await users.get(harness.db, 1001)
    assert user is not None and user.language == "ru"

    await harness.restart()
    calls = await harness.send("/help", 1001, language_code="en")
    assert calls[-1].text.startswith("Здесь продаётся продвижение")


async def test_forged_language_code_is_ignored(harness: BotHarness) -> None:
    await harness.send("/start", 1001)
    await harness.press("lang:xx", 1001)
    user = await users.get(harness.db, 1001)
    assert user is not None and user.language is None


async def test_commands_menus_are_set_per_language_and_for_admins(harness: BotHarness) -> None:
    calls = harness.tg.calls_of("setMyCommands")
    scopes = [(c.params["scope"]["type"], c.params.get("language_code")) for c in calls]
    assert ("all_private_chats", None) in scopes
    assert ("all_private_chats", "en") in scopes
    assert ("all_private_chats", "ru") in scopes
    admin = [c for c in calls if c.params["scope"]["type"] == "chat"]
    assert admin and admin[0].params["scope"]["chat_id"] == harness.settings.admin_chat_id
    ru = next(c for c in calls if c.params.get("language_code") == "ru")
    assert {"command": "language", "description": "Сменить язык"} in ru.params["commands"]


async def test_banned_user_gets_only_a_notice(harness: BotHarness) -> None:
    await harness.send("/start", 1001)
    async with harness.db.transaction() as conn:
        await users.set_banned(conn, 1001, True)
    calls = await harness.send("/start", 1001)
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) == 1 and "suspended" in sent[0].text


async def test_group_messages_from_strangers_do_nothing(harness: BotHarness) -> None:
    calls = await harness.send("/start", 1001, chat_id=-100555, chat_type="supergroup")
    assert not [c for c in calls if c.method == "sendMessage"]


async def test_updates_from_one_user_are_handled_in_order(harness: BotHarness) -> None:
    """Two fast updates from one user: the second waits for the first (event isolation);
    another user's update is not held up."""
    import asyncio

    await harness.send("/start", 1001)
    await harness.send("/start", 1002)
    harness.tg.delay = 0.3
    harness.tg.clear()
    await asyncio.gather(
        harness.send("/help", 1001),
        harness.send("/language", 1001),
        harness.send("/help", 1002),
    )
    first, second = (c for c in harness.tg.calls_of("sendMessage") if c.chat_id == 1001)
    other = next(c for c in harness.tg.calls_of("sendMessage") if c.chat_id == 1002)
    assert second.at - first.at >= 0.29
    assert abs(other.at - first.at) < 0.2


async def test_numbers_are_not_grouped_in_texts(harness: BotHarness) -> None:
    core = harness.core
    assert "23501" in core.get("orders-placed", "en", order_id=23501, price="1.00 USD")
    assert "23501" in core.get("orders-placed", "ru", order_id=23501, price="1.00 USD")


# ------------------------------------------------------------------- odd messages and commands


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
