"""The outermost update middleware: counts each update by type, times its handling (the
other middlewares included), and sets the log context (update id, user, chat) that the
JSON log format writes beside every line made while the update is handled."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot import logctx
from bot.metrics import Metrics


class ObserveMiddleware(BaseMiddleware):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        kind = event.event_type
        inner = event.event
        user = getattr(inner, "from_user", None)
        chat = getattr(inner, "chat", None) or getattr(
            getattr(inner, "message", None), "chat", None
        )
        started = time.monotonic()
        failed = True
        with logctx.scope(
            update_id=event.update_id,
            user_id=getattr(user, "id", None),
            chat_id=getattr(chat, "id", None),
        ):
            try:
                result = await handler(event, data)
                failed = False
                return result
            finally:
                # an error the errors handler took is counted there (bot/app.py on_error)
                self.metrics.update_handled(kind, time.monotonic() - started, failed=failed)
