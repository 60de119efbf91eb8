"""Buttons of the mass order. Confirm carries the summary's token only: the lines and their
prices are in the dialog's stored data, never in a button."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.keyboards.builder import FastInlineBuilder
from bot.keyboards.menu import MenuCb
from bot.keyboards.orders import OrderCb
from bot.keyboards.payments import topup_button


class MassConfirmCb(CallbackData, prefix="mc"):
    """Confirm of one summary; `anyway`: the lines that repeat an unfinished order too."""

    token: str
    anyway: bool = False


def _cancel(i18n: I18nContext) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=i18n.get("mass-button-cancel"), callback_data=MenuCb(action="home").pack()
    )


def prompt_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_cancel(i18n)]])


def summary_keyboard(
    i18n: I18nContext,
    token: str,
    *,
    confirm_count: int,
    anyway_count: int,
    can_pay: bool,
    can_pay_anyway: bool,
) -> InlineKeyboardMarkup:
    """Confirm (the lines without a repeat), Order anyway (with them), Top up, Cancel."""
    builder = FastInlineBuilder()
    if confirm_count and can_pay:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("mass-button-confirm", count=confirm_count),
                callback_data=MassConfirmCb(token=token).pack(),
            )
        )
    if anyway_count > confirm_count and can_pay_anyway:
        builder.row(
            InlineKeyboardButton(
                text=i18n.get("mass-button-anyway", count=anyway_count),
                callback_data=MassConfirmCb(token=token, anyway=True).pack(),
            )
        )
    if not can_pay_anyway:
        builder.row(topup_button(i18n))
    builder.row(_cancel(i18n))
    return builder.as_markup()


def result_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = FastInlineBuilder()
    builder.button(text=i18n.get("menu-orders"), callback_data=OrderCb(action="list"))
    builder.button(text=i18n.get("menu-home"), callback_data=MenuCb(action="home"))
    builder.adjust(2)
    return builder.as_markup()
