"""/refund and /payments: Stars refunds and the list of recent top-ups.

/refund takes the money back from the balance first (bot/payments/service.refund_stars), then
asks Telegram to return the Stars, then records the refund. If Telegram refuses, the payment
stays "refunding" (debited once): /refund again only calls Telegram again. Telegram's
CHARGE_ALREADY_REFUNDED means the Stars are back with the customer: done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.commands import PAYMENTS, REFUND
from bot.db import Database
from bot.handlers.admin.common import args, reply
from bot.payments import reports, service
from bot.services import users
from bot.views import payments as views
from bot.views.admin import user_not_found

log = logging.getLogger(__name__)

router = Router(name="admin-payments")

ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"
LIST_LIMIT = 15


@router.message(Command(REFUND.name))
async def cmd_refund(
    message: Message,
    command: CommandObject,
    i18n: I18nContext,
    db: Database,
    bot: Bot,
    wake_sender: Callable[[], None],
) -> None:
    words = args(command)
    force = len(words) == 2 and words[1].lower() == "force"
    if len(words) not in (1, 2) or (len(words) == 2 and not force):
        await reply(message, i18n.get("payments-admin-usage-refund"))
        return
    assert message.from_user is not None
    ref = words[0]
    plan = await service.refund_stars(db, admin_id=message.from_user.id, ref=ref, force=force)
    if plan.outcome != "refund":
        await reply(message, views.refund_result(i18n, plan, ref))
        return
    assert plan.user_id is not None and plan.payment_id is not None
    try:
        await bot.refund_star_payment(
            user_id=plan.user_id, telegram_payment_charge_id=plan.charge_id
        )
    except TelegramAPIError as exc:
        if ALREADY_REFUNDED not in exc.message:
            log.warning("refund of payment #%s refused by Telegram: %s", plan.payment_id, exc)
            await reply(message, views.refund_result(i18n, plan, ref, error=exc.message))
            return
    await service.mark_stars_refunded(db, plan.payment_id)
    wake_sender()  # the customer's refund notice
    await reply(message, views.refund_result(i18n, plan, ref))


@router.message(Command(PAYMENTS.name))
async def cmd_payments(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    words = args(command)
    if len(words) > 1:
        await reply(message, i18n.get("payments-admin-usage-payments"))
        return
    user_id = None
    if words:
        found = await users.find(db, words[0])
        if found is None:
            await reply(message, user_not_found(i18n, words[0]))
            return
        user_id = found.id
    listed = await reports.list_payments(db, user_id, LIST_LIMIT)
    await reply(message, views.payments_list(i18n, listed, user_id))
