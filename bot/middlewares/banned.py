"""A banned user gets one short notice and nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram_i18n import I18nContext

from bot.services.users import User


class BannedMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("user")
        chat = data.get("event_chat")
        if user is None or not user.is_banned or (chat is not None and chat.type != "private"):
            return await handler(event, data)
        if isinstance(event, Update) and event.message and event.message.successful_payment:
            # Paid before the ban took effect (or in spite of the pre-checkout "no"): the
            # money is theirs and is credited; what they may do with it is another matter.
            return await handler(event, data)
        i18n: I18nContext = data["i18n"]
        assert isinstance(event, Update)
        if isinstance(event.message, Message):
            await event.message.answer(i18n.get("banned-notice"))
        elif isinstance(event.callback_query, CallbackQuery):
            await event.callback_query.answer(i18n.get("banned-notice"), show_alert=True)
        return None
