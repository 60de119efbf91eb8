"""/promo (make, list, switch off promo codes) and /referral (the inviters' percent)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.commands import PROMO, REFERRAL
from bot.db import Database
from bot.handlers.admin.common import args, reply
from bot.services import catalog, promo, referrals
from bot.views import growth as views

router = Router(name="admin-growth")


@router.message(Command(PROMO.name))
async def cmd_promo(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    words = args(command)
    action = words[0].lower() if words else ""
    currency = await catalog.currency(db)
    admin_id = message.from_user.id if message.from_user else 0
    if action == "list" and len(words) == 1:
        await reply(message, views.promo_list(i18n, await promo.list_codes(db), currency))
    elif action == "off" and len(words) == 2:
        done = await promo.switch_off(db, admin_id, words[1])
        key = "admin-promo-off" if done else "admin-promo-not-found"
        await reply(message, i18n.get(key, code=promo.normalize(words[1])))
    elif action == "add":
        try:
            spec = promo.parse_spec(words[1:])
        except promo.SpecError as exc:
            await reply(message, i18n.get(exc.key, value=exc.value))
            return
        if not await promo.create(db, admin_id, spec):
            await reply(message, i18n.get("admin-promo-exists", code=spec.code))
            return
        await reply(message, views.promo_created(i18n, spec, currency))
    else:
        await reply(message, i18n.get("admin-usage-promo"))


@router.message(Command(REFERRAL.name))
async def cmd_referral(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    words = args(command)
    if not words:
        percent = await referrals.current_percent(db)
        await reply(message, i18n.get("admin-referral-now", percent=str(percent)))
        return
    value = referrals.parse_percent(words[0]) if len(words) == 1 else None
    if value is None:
        await reply(message, i18n.get("admin-usage-referral"))
        return
    admin_id = message.from_user.id if message.from_user else 0
    await referrals.set_percent(db, admin_id, value)
    await reply(message, i18n.get("admin-referral-set", percent=str(value)))
