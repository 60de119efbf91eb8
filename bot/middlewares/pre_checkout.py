"""Answers Telegram's pre-checkout queries ahead of everything that could make them wait.

Telegram gives the bot 10 seconds to answer a pre-checkout query. aiogram's FSM middleware
(registered by `Dispatcher.__init__` as an outer middleware of `dp.update`) runs every update
under the events-isolation lock of its FSM key; a pre-checkout query has no chat, so its key
is (user, user): the key of the user's private chat. Handled the usual way, the query would
wait behind whatever the same user's previous update is doing (a panel call of up to
PANEL_READ_TIMEOUT seconds, an order being placed) and could miss the 10 seconds.

So this middleware sits in `dp.update`'s outer chain right after aiogram's error and
user-context middlewares and before the FSM one (bot/app.py re-registers the FSM middleware
after it): a pre-checkout query is answered here, with a read-only check, and goes no
further; every other update passes through untouched. (Overriding `Dispatcher.feed_update`
would work too, but needs a Dispatcher subclass and would also bypass aiogram's error
middleware, so a failure there would never reach the error handler.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram_i18n.cores import BaseCore

from bot.db import Database
from bot.handlers.payments import answer_pre_checkout
from bot.payments.models import PaymentConfig


class PreCheckoutMiddleware(BaseMiddleware):
    def __init__(
        self,
        db: Database,
        config: PaymentConfig,
        core: BaseCore[Any],
        default_language: str,
        contact: str = "",
    ) -> None:
        self.db = db
        self.config = config
        self.core = core
        self.default_language = default_language
        self.contact = contact

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update) and event.pre_checkout_query is not None:
            return await answer_pre_checkout(
                event.pre_checkout_query,
                data["bot"],
                self.db,
                self.config,
                self.core,
                self.default_language,
                self.contact,
            )
        return await handler(event, data)
