"""Loads (and creates) the user row behind each update and puts it in the handler data, and
records when answering shows the user has blocked the bot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import Chat, TelegramObject
from aiogram.types import User as TgUser

from bot.db import Database
from bot.services import users

log = logging.getLogger(__name__)


class UserMiddleware(BaseMiddleware):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        # Only people talking to the bot in private become shop users; admins in the group
        # and other bots are not customers.
        if tg_user is not None and not tg_user.is_bot and (chat is None or chat.type == "private"):
            data["user"] = await users.seen(
                self.db,
                tg_user.id,
                username=tg_user.username,
                first_name=tg_user.first_name or "",
                tg_language=tg_user.language_code,
            )
        elif tg_user is not None:
            data["user"] = await users.get(self.db, tg_user.id)
        try:
            return await handler(event, data)
        except TelegramForbiddenError as exc:
            # The user blocked the bot (or deleted the account) after sending this update:
            # nothing to answer and nothing wrong with the bot. Anything else refused (a
            # group, another chat) is a real error and goes on to the error handler.
            refused = getattr(exc.method, "chat_id", None)
            if tg_user is None or chat is None or chat.type != "private":
                raise
            if refused is not None and refused != chat.id:
                raise
            async with self.db.transaction() as conn:
                await users.set_blocked(conn, tg_user.id)
            log.info(
                "user %s has blocked the bot; update %s left unanswered: %s",
                tg_user.id,
                getattr(event, "update_id", "?"),
                exc.message,
            )
            return None
