"""/broadcast, as a reply to a message in the group: copy it to every user, with a progress
message kept up to date until the outbox has delivered the batch."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.commands import BROADCAST
from bot.db import Database
from bot.handlers.admin.common import reply
from bot.services import broadcast
from bot.services.broadcast import BroadcastCounts
from bot.tasks import Supervisor
from bot.views.admin import broadcast_progress as progress_text

log = logging.getLogger(__name__)

router = Router(name="admin-broadcast")

PROGRESS_EVERY = 3.0


async def broadcast_progress(
    bot: Bot,
    db: Database,
    chat_id: int,
    message_id: int,
    batch: str,
    render: Callable[[BroadcastCounts], str],
    every: float = PROGRESS_EVERY,
) -> None:
    """Edit the progress message every few seconds until the batch is delivered."""
    shown = ""
    while True:
        counts = await broadcast.broadcast_counts(db, batch)
        text = render(counts)
        if text != shown:
            try:
                await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
                shown = text
            except TelegramAPIError as exc:
                log.warning("broadcast %s: could not update the progress: %s", batch, exc)
        if counts.done:
            return
        await asyncio.sleep(every)


@router.message(Command(BROADCAST.name))
async def cmd_broadcast(
    message: Message, i18n: I18nContext, db: Database, bot: Bot, supervisor: Supervisor
) -> None:
    source = message.reply_to_message
    if source is None:
        await reply(message, i18n.get("admin-usage-broadcast"))
        return
    assert message.from_user is not None
    batch, count, started = await broadcast.start_broadcast(
        db, message.from_user.id, message.chat.id, source.message_id
    )
    if not started:
        await reply(message, i18n.get("admin-broadcast-repeat", total=str(count)))
        return
    counts = await broadcast.broadcast_counts(db, batch)
    if counts.total < count:
        # read in a snapshot older than the batch just queued: it is all still queued
        counts = BroadcastCounts(queued=count)
    progress = await message.answer(progress_text(i18n, counts))
    if counts.done:
        return
    chat_id, progress_id = progress.chat.id, progress.message_id
    supervisor.start(
        f"broadcast-{batch}",
        lambda: broadcast_progress(
            bot, db, chat_id, progress_id, batch, lambda c: progress_text(i18n, c)
        ),
    )
