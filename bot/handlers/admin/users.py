"""Users and money: /user, /credit, /debit, /ban, /unban and the user card's buttons."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.commands import BAN, CREDIT, DEBIT, UNBAN, USER
from bot.db import Database
from bot.handlers.admin.common import one_argument, reply
from bot.handlers.screen import show
from bot.keyboards.admin import AdminCb, user_card
from bot.money import AmountError, parse_amount, to_micros
from bot.services import accounts, catalog, referrals, users
from bot.services.users import User
from bot.views import admin as views
from bot.views.growth import user_referrals

router = Router(name="admin-users")

# an operator typing more than this is a typo (the wallet takes up to money.MAX_AMOUNT)
MAX_ADMIN_AMOUNT = to_micros(1_000_000)


async def _card(i18n: I18nContext, db: Database, user: User) -> str:
    info = await accounts.profile(db, user)
    currency = await catalog.currency(db)
    invited = user_referrals(
        i18n,
        await referrals.inviter_of(db, user.id),
        await referrals.summary(db, user.id),
        currency,
    )
    return views.user_card(i18n, info, currency) + "\n\n" + invited


async def _find_user(message: Message, i18n: I18nContext, db: Database, query: str) -> User | None:
    """The user `query` names (an id or @username); None, after saying so, when none."""
    user = await users.find(db, query)
    if user is None:
        await reply(message, views.user_not_found(i18n, query))
    return user


@router.message(Command(USER.name))
async def cmd_user(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    query = await one_argument(message, command, i18n.get("admin-usage-user"))
    user = None if query is None else await _find_user(message, i18n, db, query)
    if user is None:
        return
    await reply(message, await _card(i18n, db, user), user_card(i18n, user.id, user.is_banned))


@router.message(Command(CREDIT.name, DEBIT.name))
async def cmd_money(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    kind: Literal["credit", "debit"] = (
        "credit" if command.command.lower() == CREDIT.name else "debit"
    )
    words = (command.args or "").split(maxsplit=2)
    if len(words) < 2:
        await reply(message, i18n.get(f"admin-usage-{kind}"))
        return
    try:
        amount = parse_amount(words[1])
    except AmountError:
        amount = 0
    if amount <= 0 or amount > MAX_ADMIN_AMOUNT:
        await reply(message, i18n.get("admin-bad-amount", amount=words[1][:32]))
        return
    user = await _find_user(message, i18n, db, words[0])
    if user is None:
        return
    assert message.from_user is not None
    result = await accounts.adjust_balance(
        db,
        message.from_user.id,
        user.id,
        amount,
        kind=kind,
        ref=f"{kind}:{message.chat.id}:{message.message_id}",
        note=words[2] if len(words) > 2 else None,
    )
    text = views.money_result(
        i18n,
        kind,
        result,
        query=words[0],
        user_id=user.id,
        amount=amount,
        currency=await catalog.currency(db),
    )
    await reply(message, text)


@router.message(Command(BAN.name, UNBAN.name))
async def cmd_ban(
    message: Message, command: CommandObject, i18n: I18nContext, db: Database
) -> None:
    banned = command.command.lower() == BAN.name
    usage = i18n.get("admin-usage-ban" if banned else "admin-usage-unban")
    query = await one_argument(message, command, usage)
    user = None if query is None else await _find_user(message, i18n, db, query)
    if user is None:
        return
    assert message.from_user is not None
    changed = await accounts.set_banned(db, message.from_user.id, user.id, banned)
    await reply(message, views.ban_result(i18n, banned, changed, user.id))


@router.callback_query(AdminCb.filter(F.action.in_({"credit", "debit"})))
async def cb_money(query: CallbackQuery, callback_data: AdminCb, i18n: I18nContext) -> None:
    if query.message is not None:
        await query.message.answer(
            i18n.get(f"admin-how-{callback_data.action}", user=str(callback_data.id))
        )


@router.callback_query(AdminCb.filter(F.action.in_({"ban", "unban"})))
async def cb_ban(
    query: CallbackQuery,
    callback_data: AdminCb,
    callback_answer: CallbackAnswer,
    i18n: I18nContext,
    db: Database,
) -> None:
    banned = callback_data.action == "ban"
    changed = await accounts.set_banned(db, query.from_user.id, callback_data.id, banned)
    callback_answer.text = views.ban_result(i18n, banned, changed, callback_data.id)
    user = await users.find(db, str(callback_data.id))
    if user is not None and query.message is not None:
        # the shared reader may be in a snapshot older than the ban just written: the flag
        # is what this press made it, whatever the read says
        user = replace(user, is_banned=banned)
        await show(
            query.message, await _card(i18n, db, user), user_card(i18n, user.id, user.is_banned)
        )
