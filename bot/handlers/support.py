"""Customers writing to the operators: /paysupport (Telegram requires it of bots that take
Stars) and the Support buttons. The customer sends one message; it is posted in the
operators' group with who they are and their recent payments, and an operator's reply to it
comes back here (bot/handlers/admin/support.py). The bookkeeping: bot/services/support.py.

This router comes after `common` (so /start and /cancel end the dialog) and before the order
dialog (so /paysupport works in the middle of an order).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyParameters
from aiogram_i18n import I18nContext

from bot.commands import PAYSUPPORT
from bot.config import Settings
from bot.db import Database
from bot.handlers.screen import show_for
from bot.keyboards.menu import MenuCb, home_button
from bot.keyboards.payments import SupportCb
from bot.services import catalog, support
from bot.services.support import TOPICS, Topic
from bot.services.users import User
from bot.states import SupportDialog
from bot.text import fit
from bot.views import support as views

log = logging.getLogger(__name__)

router = Router(name="support")


async def _start(
    i18n: I18nContext, state: FSMContext, db: Database, settings: Settings, user: User, topic: Topic
) -> str:
    """The intro text; the dialog waits for the message unless the customer wrote too often."""
    text = views.intro(i18n, topic, settings.support_contact)
    if not await support.can_write(db, user.id):
        return text + "\n\n" + i18n.get("support-too-often")
    await state.set_state(SupportDialog.message)
    await state.set_data({"topic": topic})
    return text


@router.message(Command(PAYSUPPORT.name))
async def cmd_paysupport(
    message: Message,
    i18n: I18nContext,
    state: FSMContext,
    db: Database,
    settings: Settings,
    user: User,
) -> None:
    text = await _start(i18n, state, db, settings, user, "payments")
    await message.answer(text, reply_markup=home_button(i18n))


@router.callback_query(MenuCb.filter(F.action == "support"))  # the main menu's entry
@router.callback_query(SupportCb.filter(F.topic.in_(TOPICS)))
async def cb_support(
    query: CallbackQuery,
    callback_data: SupportCb | MenuCb,
    i18n: I18nContext,
    state: FSMContext,
    db: Database,
    settings: Settings,
    user: User,
) -> None:
    paid = isinstance(callback_data, SupportCb) and callback_data.topic == "payments"
    topic: Topic = "payments" if paid else "general"
    await show_for(query, await _start(i18n, state, db, settings, user, topic), home_button(i18n))


async def _post(bot: Bot, settings: Settings, message: Message, card: str) -> list[int]:
    """Post the request in the operators' group; the ids of the bot's messages there."""
    chat = settings.admin_chat_id
    together = f"{card}\n\n{message.text}"
    if message.text is not None and fit(together) == together:
        sent = await bot.send_message(chat, together)
        return [sent.message_id]
    head = await bot.send_message(chat, fit(card))
    copy = await bot.copy_message(
        chat,
        message.chat.id,
        message.message_id,
        reply_parameters=ReplyParameters(message_id=head.message_id),
    )
    return [head.message_id, copy.message_id]


@router.message(SupportDialog.message)
async def on_support_message(
    message: Message,
    i18n: I18nContext,
    state: FSMContext,
    db: Database,
    settings: Settings,
    bot: Bot,
    user: User,
) -> None:
    if (message.text or "").startswith("/"):
        await message.answer(i18n.get("support-not-a-command"))
        return
    data = await state.get_data()
    topic: Topic = "payments" if data.get("topic") == "payments" else "general"
    await state.clear()
    request_id = await support.open_request(db, user.id, topic)
    if request_id is None:
        await message.answer(i18n.get("support-too-often"), reply_markup=home_button(i18n))
        return
    who = await support.customer(db, user.id)
    operators = views.InLanguage(i18n, settings.default_language)
    card = views.request_card(operators, request_id, topic, who, await catalog.currency(db))
    try:
        posted = await _post(bot, settings, message, card)
    except TelegramAPIError as exc:
        log.error("support request #%s could not be posted: %s", request_id, exc)
        await message.answer(i18n.get("support-failed"), reply_markup=home_button(i18n))
        return
    for message_id in posted:
        await support.link_message(db, request_id, settings.admin_chat_id, message_id)
    await message.answer(i18n.get("support-sent"), reply_markup=home_button(i18n))
