"""What the admin handlers share: reading a command's arguments, answering."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.text import fit


def args(command: CommandObject) -> list[str]:
    return (command.args or "").split()


async def reply(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await message.answer(fit(text), reply_markup=markup)


def alert(callback_answer: CallbackAnswer, text: str) -> None:
    """Every admin button answers through `callback_answer` (the middleware sends it once,
    after the handler): a second answerCallbackQuery is refused by Telegram."""
    callback_answer.text = text
    callback_answer.show_alert = True
