"""The Bot API session: aiogram's aiohttp session, minus a cost found in the profile.

aiogram checks every answer with `Response[method.__returning__]`, a pydantic generic model
made on demand. pydantic keeps such models in a weak cache, and a model class lives in a
reference cycle, so each full garbage collection frees them and the next answer builds the
class again (about 2 ms of schema building, dozens of times a minute on a busy bot: 106
rebuilds in 586 answers in one profile of category presses). Holding the few response
models the bot uses keeps them in that cache.
"""

from __future__ import annotations

from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class BotSession(AiohttpSession):
    # one per kind of answer (Message, bool, list of updates, ...): a few dozen at most
    _responses: ClassVar[dict[Any, type[Any]]] = {}

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._responses:
            self._responses[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
