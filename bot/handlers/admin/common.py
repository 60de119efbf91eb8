"""What the admin handlers share: reading a command's arguments, answering."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import InlineKeyboardMarkup, Message

from bot.text import fit


def args(command: CommandObject) -> list[str]:
    return (command.args or "").split()


async def one_argument(message: Message, command: CommandObject, usage: str) -> str | None:
    """The command's single argument; None (after answering with `usage`) when there is not
    exactly one."""
    words = args(command)
    if len(words) != 1:
        await reply(message, usage)
        return None
    return words[0]


async def reply(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await message.answer(fit(text), reply_markup=markup)
