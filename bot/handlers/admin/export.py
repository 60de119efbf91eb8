"""/export orders|users|ledger [from] [to]: a CSV file of the shop's data in the operators'
group. The rows are written to a temp file page by page (bot/services/export.py) and the
file is uploaded from disk: nothing holds all the rows in memory."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message
from aiogram_i18n import I18nContext

from bot.commands import EXPORT
from bot.db import Database
from bot.handlers.admin.common import args, reply
from bot.services import export

log = logging.getLogger(__name__)

router = Router(name="admin-export")


@router.message(Command(EXPORT.name))
async def cmd_export(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    words = args(command)
    if not words or words[0].lower() not in export.KINDS:
        await reply(message, i18n.get("export-usage"))
        return
    kind = words[0].lower()
    try:
        start, end = export.parse_period(words[1:])
    except export.BadPeriod:
        await reply(message, i18n.get("export-usage"))
        return
    made = await export.write_csv(db, kind, start, end)
    try:
        await message.answer_document(
            FSInputFile(made.path, filename=made.filename),
            caption=i18n.get("export-admin-done", kind=kind, rows=made.rows),
        )
    except TelegramAPIError as exc:
        log.warning("/export %s: could not send the file: %s", kind, exc)
        await reply(message, i18n.get("export-failed"))
    finally:
        made.remove()
