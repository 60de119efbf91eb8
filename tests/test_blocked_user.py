"""A user who blocked the bot right after sending an update: the answer is refused with 403.
That is no failure of the bot: the user is marked blocked, one INFO line is logged, and no
ERROR traceback reaches the log."""

from __future__ import annotations

import logging

import pytest

from bot.keyboards.menu import MenuCb
from bot.services import users
from tests.harness import BotHarness
from tests.helpers import add_user

USER = 1001


@pytest.mark.parametrize(
    "update",
    ["message", "command", "button"],
)
async def test_an_update_from_a_user_who_blocked_the_bot_is_not_an_error(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, update: str
) -> None:
    await add_user(harness.db, USER)
    harness.tg.blocked_chats.add(USER)
    with caplog.at_level(logging.INFO):
        if update == "message":
            calls = await harness.send("instagram likes")
        elif update == "command":
            calls = await harness.send("/start")
        else:
            calls = await harness.press(MenuCb(action="catalog"))
    refused = [c for c in calls if not c.ok]
    assert refused and all(c.chat_id == USER for c in refused)  # the bot did try to answer
    assert harness.errors == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    (line,) = [r for r in caplog.records if "has blocked the bot" in r.getMessage()]
    assert line.levelno == logging.INFO and line.exc_info is None
    user = await users.get(harness.db, USER)
    assert user is not None and user.is_blocked

    # Unblocking and writing again clears the flag (users.seen), and the bot answers.
    harness.tg.blocked_chats.discard(USER)
    calls = await harness.send("/start")
    assert any(c.ok and c.chat_id == USER and c.text for c in calls)
    user = await users.get(harness.db, USER)
    assert user is not None and not user.is_blocked


async def test_a_refusal_in_another_chat_is_still_an_error(harness: BotHarness) -> None:
    """Only the update's own private chat means "this user blocked us": a 403 from the admin
    group (the bot was removed) must still reach the error handler."""
    harness.tg.blocked_chats.add(harness.settings.admin_chat_id)
    await harness.admin("/help")
    assert harness.errors


async def test_telling_a_user_who_blocked_the_bot_about_an_error_is_no_error(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """The update fails for another reason (Telegram's 500), and the error handler's own
    message is refused with 403: that refusal is logged at INFO, without a traceback."""
    await add_user(harness.db, USER)
    harness.tg.fail_next("sendMessage", 500)
    harness.tg.fail_next("sendMessage", 403)
    with caplog.at_level(logging.INFO):
        await harness.send("/start")
    assert [c.error_code for c in harness.tg.calls_of("sendMessage")] == [500, 403]
    assert len(harness.errors) == 1 and "failed" in harness.errors[0]  # the 500 itself
    (told,) = [r for r in caplog.records if "could not tell the user" in r.getMessage()]
    assert told.levelno == logging.INFO and told.exc_info is None
    assert "blocked" in told.getMessage()
