"""Changes of the admin group's members, as Telegram reports them (`chat_member`; the bot
must be an administrator there to get them, and aiogram asks for them in `allowed_updates`
because this handler exists): whoever was promoted, demoted, left or was removed is asked
about afresh at their next command, instead of keeping the remembered answer a minute."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ChatMemberUpdated

from bot.db import Database
from bot.services import admins

log = logging.getLogger(__name__)

router = Router(name="admin-members")


@router.chat_member()
async def on_member_changed(event: ChatMemberUpdated, db: Database) -> None:
    member = event.new_chat_member.user
    await admins.forget(db, event.chat.id, member.id)
    log.info("admin group member %s: %s -> %s; their admin check is asked again",
             member.id, event.old_chat_member.status, event.new_chat_member.status)  # fmt: skip


@router.my_chat_member()
async def on_bot_changed(event: ChatMemberUpdated, db: Database) -> None:
    # The bot itself was promoted, demoted or re-added: while it was no administrator it got
    # no chat_member updates, so nothing remembered about anyone can be trusted.
    await admins.forget(db, event.chat.id)
    log.info("the bot's own membership of the admin group: %s -> %s; admin checks forgotten",
             event.old_chat_member.status, event.new_chat_member.status)  # fmt: skip
