"""Showing a screen in answer to a button: the one place every handler's edit goes through.

Telegram refuses some edits, and none of that is the user's problem:
- an edit that changes nothing ("message is not modified": Refresh on an unchanged card, the
  same page pressed twice, a double tap) — the screen is already right, nothing to do;
- a message that can no longer be edited (too old, deleted, an `InaccessibleMessage` in the
  callback) — the screen is sent as a new message instead;
- a text over 4096 characters — it is cut to fit rather than refused.

`show_surely` is for a screen that must arrive (the outcome of a paid order): flood control
with a short wait is waited out, any other refusal becomes a new message, and the caller
queues what Telegram took in neither form.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.text import fit

log = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"
# Flood control asking to wait at most this long (seconds) is waited out in the handler;
# a longer wait is the outbox's job.
WAIT_AT_MOST = 5.0


def is_not_modified(exc: TelegramBadRequest) -> bool:
    return NOT_MODIFIED in exc.message


def _unchanged(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether the message already shows exactly this (compared as data: objects that came
    with an update carry the bot in private attributes, so `==` would never match)."""
    if message.text != text:
        return False
    current = message.reply_markup
    if current is None or markup is None:
        return current is None and (markup is None or not markup.inline_keyboard)
    return current.model_dump(exclude_none=True) == markup.model_dump(exclude_none=True)


async def show(
    target: MaybeInaccessibleMessageUnion,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> None:
    """Show `text` in place of `target` (the message a button was pressed on) when `edit`,
    else (or when Telegram cannot edit it) as a new message in the same chat."""
    text = fit(text)
    if edit and isinstance(target, Message):
        if _unchanged(target, text, markup):
            return
        try:
            await target.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if is_not_modified(exc):
                return
            log.info("could not edit message %s, sending a new one: %s", target.message_id, exc)
    await target.answer(text, reply_markup=markup)


async def show_surely(
    target: MaybeInaccessibleMessageUnion,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    wait_at_most: float = WAIT_AT_MOST,
) -> bool:
    """`show` (an edit) for a screen the user must get. Telegram refusing the edit (flood
    control, a 5xx, the network) is no failure: a short flood-control wait is waited out and
    the edit tried again, then the screen goes as a new message. False if Telegram took it
    in neither form: then the caller queues it (the outbox retries until it is delivered)."""
    try:
        await show(target, text, markup, edit=True)
        return True
    except TelegramRetryAfter as exc:
        log.warning("screen for chat %s: flood control, retry after %ss", target.chat.id,
                    exc.retry_after)  # fmt: skip
        if exc.retry_after > wait_at_most:
            return False  # a new message now would meet the same limit
        await asyncio.sleep(exc.retry_after)
        try:
            await show(target, text, markup, edit=True)
            return True
        except TelegramAPIError as again:
            log.warning("screen for chat %s: edit refused again: %s", target.chat.id, again)
    except TelegramAPIError as exc:  # 5xx, network (TelegramNetworkError), blocked...
        log.warning("screen for chat %s: edit failed: %r", target.chat.id, exc)
    try:
        await target.answer(fit(text), reply_markup=markup)
        return True
    except TelegramAPIError as exc:
        log.warning("screen for chat %s: new message failed too: %r", target.chat.id, exc)
        return False


async def show_for(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """`show` for the message of a pressed button (a new message to the user when the button
    was not on a message of a chat)."""
    if query.message is not None:
        await show(query.message, text, markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, fit(text), reply_markup=markup)


def alert(callback_answer: CallbackAnswer, text: str) -> None:
    """An alert for the pressed button. Buttons answer through `callback_answer`: the
    middleware sends it once, after the handler, and Telegram refuses a second answer."""
    callback_answer.text = text
    callback_answer.show_alert = True
