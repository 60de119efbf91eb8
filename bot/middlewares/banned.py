"""A banned user gets one short notice and nothing else, except a way to the operators:
the notice says "contact support", so the Support button, /paysupport and the one message
of the support dialog still go through (bot/services/support.py limits how often)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram_i18n import I18nContext

from bot.commands import PAYSUPPORT
from bot.config import Settings
from bot.keyboards.payments import SupportCb, support_keyboard
from bot.services.users import User
from bot.states import SupportDialog
from bot.views.support import with_contact


def _to_support(update: Update, raw_state: str | None) -> bool:
    """The update asks for support or is the message the support dialog waits for."""
    query = update.callback_query
    if query is not None:
        return (query.data or "").startswith(SupportCb.__prefix__ + ":")
    message = update.message
    if message is None:
        return False
    if raw_state == SupportDialog.message.state:
        return True
    text = message.text or ""
    return text.split("@")[0].split(" ")[0] == f"/{PAYSUPPORT.name}"


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
        assert isinstance(event, Update)
        if event.message and event.message.successful_payment:
            # Paid before the ban took effect (or in spite of the pre-checkout "no"): the
            # money is theirs and is credited; what they may do with it is another matter.
            return await handler(event, data)
        if _to_support(event, data.get("raw_state")):
            return await handler(event, data)
        i18n: I18nContext = data["i18n"]
        settings: Settings = data["settings"]
        notice = with_contact(i18n, i18n.get("banned-notice"), settings.support_contact)
        if isinstance(event.message, Message):
            await event.message.answer(notice, reply_markup=support_keyboard(i18n, "general"))
        elif isinstance(event.callback_query, CallbackQuery):
            await event.callback_query.answer(notice, show_alert=True)
        return None
