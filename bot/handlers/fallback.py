"""Last in the private router: whatever no one else took.

- A button no handler matches (a keyboard of an older version of the bot, a forged or
  out-of-range callback_data) gets a short alert, so the user's spinner stops and they know
  the button is dead: an unanswered callback leaves the button "loading".
- A command the bot does not know, and a sticker, photo or voice message outside any dialog,
  get one short hint with the main menu. Operators' commands sent here are unknown commands
  like any other: nothing tells a customer that they exist.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_i18n import I18nContext

from bot.handlers.screen import alert
from bot.keyboards.menu import main_menu

router = Router(name="fallback")


@router.callback_query()
async def on_dead_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, i18n: I18nContext
) -> None:
    alert(callback_answer, i18n.get("button-outdated"))


@router.message()
async def on_unknown_message(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("unknown-input"), reply_markup=main_menu(i18n))
