"""An incoming flood limit per user: past FLOOD_LIMIT messages and buttons in FLOOD_WINDOW
seconds the user is asked once to slow down, and what they send is ignored until the window
has passed (bot/ratelimit.py). Payments are never held back (a pre-checkout query is
answered before this runs; a successful payment is money received), nor is the operators'
group. Counted in Redis when the replicas share one, in memory otherwise (bot/ratelimit.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram_i18n import I18nContext

from bot.ratelimit import Flood

log = logging.getLogger(__name__)


class FloodMiddleware(BaseMiddleware):
    def __init__(self, limiter: Flood) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        message, query = event.message, event.callback_query
        chat = data.get("event_chat")
        user = data.get("event_from_user")
        if (
            (message is None and query is None)
            or user is None
            or (chat is not None and chat.type != "private")
            or (message is not None and message.successful_payment is not None)
        ):
            return await handler(event, data)
        verdict = await self.limiter.verdict(user.id)
        if verdict == "ok":
            return await handler(event, data)
        if verdict == "warn":
            log.info("user %s is sending too fast: ignored for a while", user.id)
            i18n: I18nContext = data["i18n"]
            text = i18n.get("flood-slow-down")
            if message is not None:
                await message.answer(text)
            elif query is not None:
                await query.answer(text, show_alert=True)
        return None
