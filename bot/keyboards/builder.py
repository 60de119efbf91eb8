"""A keyboard builder for markups built on every update."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder


class FastInlineBuilder(InlineKeyboardBuilder):
    """aiogram's InlineKeyboardBuilder without the deep copy in `as_markup`.

    `export()` deep-copies every button (pydantic models) so a builder can be reused; the
    profile of a category-list press put that at 2 ms of the handler. Our builders are
    built, turned into one markup and dropped, so the rows are handed over as they are."""

    def as_markup(self, **kwargs: Any) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in self._markup])
