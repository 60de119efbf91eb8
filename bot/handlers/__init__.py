"""All routers, assembled in one place. Chat filters sit on the routers, not on handlers."""

from __future__ import annotations

from aiogram import F, Router

from bot.config import Settings
from bot.handlers import common


def get_routers(settings: Settings) -> list[Router]:
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    private.include_routers(common.router)
    return [private]
