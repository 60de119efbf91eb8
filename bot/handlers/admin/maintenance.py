"""/maintenance on|off: stop or resume ordering (tracking goes on)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.commands import MAINTENANCE
from bot.db import Database
from bot.handlers.admin.common import args, reply
from bot.services import maintenance

router = Router(name="admin-maintenance")


@router.message(Command(MAINTENANCE.name))
async def cmd_maintenance(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    words = [a.lower() for a in args(command)]
    if not words:
        on = await maintenance.maintenance_on(db)
        await reply(message, i18n.get("admin-maintenance-state", state="on" if on else "off"))
        return
    if len(words) != 1 or words[0] not in {"on", "off"}:
        await reply(message, i18n.get("admin-usage-maintenance"))
        return
    assert message.from_user is not None
    await maintenance.set_maintenance(db, message.from_user.id, words[0] == "on")
    await reply(message, i18n.get(f"admin-maintenance-{words[0]}"))
