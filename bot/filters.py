"""Who may use the operators' commands: administrators of the admin group (asked from
Telegram, remembered a few minutes) and the ids in ADMIN_IDS."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.db import Database
from bot.services import admins

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({"creator", "administrator"})


class IsAdmin(Filter):
    """Passes only for operators in the admin group; everyone else is ignored silently."""

    async def __call__(
        self, event: Message | CallbackQuery, bot: Bot, settings: Settings, db: Database
    ) -> bool:
        sender = event.from_user
        chat = (
            event.chat
            if isinstance(event, Message)
            else (event.message.chat if event.message is not None else None)
        )
        if sender is None or chat is None or chat.id != settings.admin_chat_id:
            return False
        if sender.id in settings.admin_ids:
            return True
        if sender.is_bot:
            return False
        cached = await admins.cached_admin(db, chat.id, sender.id)
        if cached is not None:
            return cached
        try:
            member = await bot.get_chat_member(chat.id, sender.id)
        except TelegramAPIError as exc:
            # Not remembered: ask again next time rather than lock an operator out.
            log.warning("could not check whether %s is an admin: %s", sender.id, exc)
            return False
        is_admin = member.status in ADMIN_STATUSES
        await admins.remember_admin(db, chat.id, sender.id, is_admin)
        return is_admin
