"""An operator's reply, in the group, to a customer's support request: delivered to the
customer (bot/handlers/support.py posts the requests; bot/services/support.py remembers which
of the bot's messages belong to which customer). Last in the admin router: commands and
dialogs come first, and a reply to anything else is left alone."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.i18n import pick_language
from bot.services import support, users
from bot.text import fit

log = logging.getLogger(__name__)

router = Router(name="admin-support")


def _not_a_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")


@router.message(F.reply_to_message, _not_a_command)
async def on_operator_reply(
    message: Message, bot: Bot, db: Database, i18n: I18nContext, settings: Settings
) -> None:
    replied = message.reply_to_message
    assert replied is not None
    thread = await support.thread_of(db, message.chat.id, replied.message_id)
    if thread is None:
        return  # a reply to something that is not a support request
    customer = await users.get(db, thread.user_id)
    lang = pick_language(
        customer.language if customer else None,
        customer.tg_language if customer else None,
        settings.default_language,
    )
    title = i18n.get("support-reply-title", lang)
    together = f"{title}\n\n{message.text}"
    try:
        if message.text is not None and fit(together) == together:
            await bot.send_message(thread.user_id, together)
        else:
            await bot.send_message(thread.user_id, title)
            await bot.copy_message(thread.user_id, message.chat.id, message.message_id)
    except TelegramForbiddenError:
        async with db.transaction() as conn:
            await users.set_blocked(conn, thread.user_id)
        await message.reply(i18n.get("support-admin-blocked"))
        return
    except TelegramAPIError as exc:
        log.warning("support answer to %s not delivered: %s", thread.user_id, exc)
        await message.reply(i18n.get("support-admin-failed"))
        return
    await support.answered(db, thread.request_id)
    await message.reply(i18n.get("support-admin-delivered", user_id=thread.user_id))
